import { readFileSync } from 'node:fs';
import { ModelError } from './errors.js';

/** The parsed JSON of a model folder's file (config.json, tokenizer.json, ...); unreadable or invalid: a ModelError. */
export function readModelJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelError(`Cannot read ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON (${syntaxErrorPlace(text, (err as Error).message)}).`, { file }, { cause: err });
  }
}

/**
 * `line L, column C: reason` when V8 says where (`... in JSON at position N`, or the end for a cut-off file), else
 * V8's message as it is.
 */
function syntaxErrorPlace(text: string, message: string): string {
  const match = / in JSON at position (\d+)/.exec(message);
  const atEnd = message.startsWith('Unexpected end of JSON input');
  if (!match && !atEnd) return message;
  const offset = match ? Number(match[1]) : text.length;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}: ${match ? message.slice(0, match.index) : message}`;
}
