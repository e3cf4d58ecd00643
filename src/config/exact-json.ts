import { randomBytes } from 'node:crypto';

/**
 * JSON that keeps integers exact at any size. JSON itself allows any number of digits (CPython writes a seed of
 * 2**70 as its 22 digits), but JSON.parse rounds integers beyond 2^53 and JSON.stringify refuses BigInt. Here such
 * integers read as BigInt and BigInt values write as plain digits; everything else is JSON.parse / JSON.stringify.
 */

/** Strings (skipped whole, so digits inside them are never touched) and number tokens. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const PLAIN_INTEGER = /^-?\d+$/;

/** A marker no document contains (random per call), for the integers while JSON.parse / stringify handle the rest. */
function freshMarker(text: string): string {
  for (;;) {
    const marker = `bigint-${randomBytes(12).toString('hex')}:`;
    if (!text.includes(marker)) return marker;
  }
}

/** JSON.parse, except that integers outside the safe range come back as exact BigInt values. */
export function parseJsonExact(text: string): unknown {
  // A safe integer has at most 16 digits: without a longer run of digits there is nothing to keep exact.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  const marker = freshMarker(text);
  const integers: bigint[] = [];
  const marked = text.replace(TOKEN, (token) => {
    if (!PLAIN_INTEGER.test(token)) return token;
    const value = BigInt(token);
    if (Number.isSafeInteger(Number(value))) return token;
    integers.push(value);
    return `"${marker}${integers.length - 1}"`;
  });
  if (integers.length === 0) return JSON.parse(text);
  try {
    return JSON.parse(marked, (key, value: unknown) => {
      // A number where a key belongs is invalid JSON; report it as such rather than accept the marked text.
      if (key.startsWith(marker)) throw new SyntaxError('a number cannot be an object key');
      return typeof value === 'string' && value.startsWith(marker) ? integers[Number(value.slice(marker.length))] : value;
    });
  } catch (error) {
    // The original text's own error and position where it has one.
    JSON.parse(text);
    throw error;
  }
}

/** JSON.stringify, except that BigInt values are written as their exact digits. */
export function stringifyJsonExact(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (error) {
    if (!(error instanceof TypeError) || !/BigInt/i.test(error.message)) throw error;
  }
  const marker = `bigint-${randomBytes(12).toString('hex')}:`;
  let written = 0;
  const text = JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item !== 'bigint') return item;
      written++;
      return `${marker}${item.toString()}`;
    },
    space,
  );
  let replaced = 0;
  const result = text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), (_match, digits: string) => {
    replaced++;
    return digits;
  });
  if (replaced !== written) throw new Error('A text value collided with the marker used to write big integers.');
  return result;
}
