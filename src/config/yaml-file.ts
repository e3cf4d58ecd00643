import { readFileSync } from 'node:fs';
import { parse, YAMLError } from 'yaml';
import { ConfigError } from './errors.js';

/** Reads a file's text; a missing or unreadable file is a ConfigError naming it. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot read file';
    throw new ConfigError(reason, { file });
  }
}

/** Parses YAML text; syntax errors become a ConfigError with the file and line. */
export function parseYamlText(text: string, file: string): unknown {
  try {
    return parse(text);
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
