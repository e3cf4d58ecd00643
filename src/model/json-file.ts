import { readFileSync } from 'node:fs';
import { ModelError } from './errors.js';

/** The parsed JSON of a model folder's file (config.json, tokenizer.json, ...); unreadable or invalid: a ModelError. */
export function readModelJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelError(`${file} is not valid JSON: ${(err as Error).message}`, { file }, { cause: err });
  }
}
