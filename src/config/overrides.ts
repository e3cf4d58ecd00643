import { ConfigError } from './errors.js';
import { didYouMean } from './suggest.js';
import { deepEqual, dottedPath, isMapping, type Tree } from './tree.js';
import { parseYamlExact } from './yaml-file.js';

/** One `key=value` command-line override, Hydra style. */
export interface ParsedOverride {
  /** The override as typed, for error messages. */
  text: string;
  /** The dotted key, e.g. `experiment.variants.1.seed`. */
  key: string;
  /** The key split at dots; numeric segments address list items. */
  segments: string[];
  /** The text after the first `=`. */
  rawValue: string;
  /** The value typed by YAML rules: int (BigInt beyond 2^53), float, bool, null, quoted string, flow list or mapping. */
  value: unknown;
}

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*(\.([A-Za-z_][A-Za-z0-9_-]*|\d+))*$/;
const INDEX_PATTERN = /^\d+$/;

/**
 * Types an override value by YAML scalar rules. Flow collections (`[0,1,2]`, `{a: 1}`) and quoted strings must
 * parse; any other text that YAML would read as a block collection (`a: b`) or reject stays a plain string,
 * so free text works without quoting.
 */
export function parseOverrideValue(rawValue: string, override = rawValue): unknown {
  if (rawValue === '') return '';
  const structured = /^\s*["'[{]/.test(rawValue);
  let value: unknown;
  try {
    value = parseYamlExact(rawValue);
  } catch (error) {
    if (!structured) return rawValue;
    const detail = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new ConfigError(`malformed value '${rawValue}': ${detail}`, { override });
  }
  if (!structured && (Array.isArray(value) || isMapping(value))) return rawValue;
  return value;
}

/** Splits `key=value`; rejects Hydra's add/delete prefixes and keys that are not dotted names or indices. */
export function parseOverride(text: string): ParsedOverride {
  if (/^[+~]/.test(text)) {
    throw new ConfigError('adding (+) or deleting (~) keys is not supported; every setting already exists', {
      override: text,
    });
  }
  const equals = text.indexOf('=');
  const key = equals < 0 ? '' : text.slice(0, equals).trim();
  if (!KEY_PATTERN.test(key)) {
    throw new ConfigError('malformed override; expected key=value, e.g. experiment.seed=7 or dataset=radiology', {
      override: text,
    });
  }
  const rawValue = text.slice(equals + 1);
  return { text, key, segments: key.split('.'), rawValue, value: parseOverrideValue(rawValue, text) };
}

/** A plain YAML string needs no quotes only when it is simple text that reads back as itself. */
const PLAIN_STRING = /^[A-Za-z0-9_./@+-]+( [A-Za-z0-9_./@+-]+)*$/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function formatScalar(value: unknown, readBack: (text: string) => unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  const text = String(value);
  return PLAIN_STRING.test(text) && deepEqual(readBack(text), text) ? text : JSON.stringify(text);
}

function formatFlow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatFlow).join(',')}]`;
  if (isMapping(value)) {
    const entries = Object.entries(value).map(
      ([key, item]) => `${PLAIN_KEY.test(key) ? key : JSON.stringify(key)}: ${formatFlow(item)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return formatScalar(value, (text) => (parseYamlExact(`[${text}]`) as unknown[])[0]);
}

/** The override text for a value, such that parseOverrideValue gives the value back. */
export function formatOverrideValue(value: unknown): string {
  if (Array.isArray(value) || isMapping(value)) return formatFlow(value);
  return formatScalar(value, (text) => parseOverrideValue(text));
}

function countLabel(count: number, listKey: string): string {
  const noun = INDEX_PATTERN.test(listKey) ? 'items' : listKey;
  return `${count} ${count === 1 && noun.endsWith('s') ? noun.slice(0, -1) : noun}`;
}

function describeNode(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `the text '${value}'`;
  return `a ${typeof value} value`;
}

/**
 * Sets `override.value` at its key inside `root`. Every key on the way must already exist and list indices must
 * be in range, so typos fail loudly instead of adding settings nobody reads.
 */
export function setAtPath(root: Tree, override: ParsedOverride): void {
  let node: unknown = root;
  const { segments } = override;
  for (let depth = 0; depth < segments.length; depth++) {
    const segment = segments[depth] ?? '';
    const path = dottedPath(segments.slice(0, depth + 1));
    const parentPath = dottedPath(segments.slice(0, depth));
    const last = depth === segments.length - 1;
    if (Array.isArray(node)) {
      if (!INDEX_PATTERN.test(segment)) {
        throw new ConfigError(`${parentPath} is a list; address its items by index (0..${node.length - 1})`, {
          path,
          override: override.text,
        });
      }
      const index = Number(segment);
      if (index >= node.length) {
        const listKey = segments[depth - 1] ?? 'items';
        throw new ConfigError(`index out of range (${countLabel(node.length, listKey)})`, {
          path,
          override: override.text,
        });
      }
      if (last) node[index] = override.value;
      else node = node[index];
    } else if (isMapping(node)) {
      if (!Object.hasOwn(node, segment)) {
        throw new ConfigError(`unknown key${didYouMean(segment, Object.keys(node))}`, { path, override: override.text });
      }
      if (last) node[segment] = override.value;
      else node = node[segment];
    } else {
      throw new ConfigError(
        `${parentPath} is ${describeNode(node)}, not a mapping or list; set ${parentPath} as a whole instead`,
        { path, override: override.text },
      );
    }
  }
}
