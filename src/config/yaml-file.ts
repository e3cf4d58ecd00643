import { readFileSync } from 'node:fs';
import { parse, YAMLError } from 'yaml';
import { ConfigError } from './errors.js';
import { numbersWhereExact } from './tree.js';

/** Reads a file's text; a missing or unreadable file is a ConfigError naming it. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot read file';
    throw new ConfigError(reason, { file });
  }
}

/** YAML text as a tree; integers beyond 2^53 (e.g. a seed of 2**70) stay exact as BigInt. */
export function parseYamlExact(text: string): unknown {
  return numbersWhereExact(parse(text, { intAsBigInt: true }));
}

/** Parses YAML text; syntax errors become a ConfigError with the file and line. */
export function parseYamlText(text: string, file: string): unknown {
  try {
    return parseYamlExact(text);
  } catch (error) {
    if (error instanceof YAMLError) {
      const detail = (error.message.split('\n')[0] ?? error.message).replace(/:$/, '');
      throw new ConfigError(`invalid YAML: ${detail}`, { file, line: error.linePos?.[0].line ?? null });
    }
    throw error;
  }
}

export function readYamlFile(file: string): unknown {
  return parseYamlText(readConfigText(file), file);
}
