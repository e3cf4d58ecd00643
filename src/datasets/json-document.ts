import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DatasetError } from './errors.js';
import { MAX_ROW_BYTES, mebibytes, rowTooLarge } from './field-limit.js';
import { checkDatasetFile, fileReadError } from './read-dataset-file.js';

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** V8's reason without the position or quoted excerpt it appends, plus that position when given. */
function describeSyntaxError(error: SyntaxError): { reason: string; position: number | undefined } {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  const reason = error.message
    .replace(/ at position \d+.*$/su, '')
    .replace(/^(Unexpected token '.'), .* is not valid JSON$/su, '$1');
  return { reason, position: position === undefined ? undefined : Number(position) };
}

/** JSON.parse of a whole file; a syntax error becomes a DatasetError naming the line when V8 gives a position. */
export function parseJsonDocument(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const { reason, position } = describeSyntaxError(error);
    throw new DatasetError('malformed_json', `not valid JSON (${reason})`, {
      file,
      ...(position !== undefined ? { line: lineAt(text, position) } : {}),
    });
  }
}

/** JSON.parse of one line of a JSON lines file; a syntax error becomes a DatasetError naming that line. */
export function parseJsonLine(content: string, file: string, line: number): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new DatasetError('malformed_json', `this line is not valid JSON (${describeSyntaxError(error).reason})`, {
      file,
      line,
    });
  }
}

/**
 * Streams a JSON lines file line by line (1-based line numbers, byte-order mark removed, blank lines skipped), so
 * memory holds one line at a time; a line past MAX_ROW_BYTES is refused before it is parsed.
 */
export async function readJsonLines(file: string, onLine: (content: string, line: number) => void): Promise<void> {
  checkDatasetFile(file);
  const source = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let line = 0;
  let sawContent = false;
  try {
    for await (const raw of lines) {
      line += 1;
      const content = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (content.trim() === '') continue;
      sawContent = true;
      if (content.length > MAX_ROW_BYTES && Buffer.byteLength(content, 'utf8') > MAX_ROW_BYTES) {
        throw rowTooLarge({ file, line }, `the line is longer than ${mebibytes(MAX_ROW_BYTES)}`);
      }
      onLine(content, line);
    }
  } catch (error) {
    throw fileReadError(error, file) ?? error;
  } finally {
    lines.close();
    source.destroy();
  }
  if (!sawContent) throw new DatasetError('empty_file', 'the dataset file is empty', { file });
}
