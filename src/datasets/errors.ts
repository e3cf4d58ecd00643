/** What went wrong, so callers (CLI, UI) can react without parsing the message. */
export type DatasetErrorCode =
  | 'file_not_found'
  | 'not_a_file'
  | 'unreadable'
  | 'empty_file'
  | 'missing_columns'
  | 'unterminated_quote'
  | 'malformed_json'
  | 'invalid_item'
  | 'no_samples'
  | 'unsupported_format'
  | 'missing_setting'
  | 'duplicate_columns'
  | 'field_too_large';

/** Where in a dataset file the problem is. `item` is a 0-based index into a JSON array. */
export interface DatasetErrorLocation {
  file: string;
  line?: number;
  item?: number;
  field?: string;
}

/**
 * A dataset file that cannot be loaded. The message is one line that names the file and, when known, the line,
 * item and field, followed by what is wrong: `/data/x.tsv, line 12: ...`.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly code: DatasetErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly item: number | undefined;
  readonly field: string | undefined;

  constructor(code: DatasetErrorCode, detail: string, location: DatasetErrorLocation) {
    super(`${describeLocation(location)}: ${detail}`);
    this.code = code;
    this.file = location.file;
    this.line = location.line;
    this.item = location.item;
    this.field = location.field;
  }
}

function describeLocation({ file, line, item, field }: DatasetErrorLocation): string {
  const parts = [file];
  if (line !== undefined) parts.push(`line ${line}`);
  if (item !== undefined) parts.push(`item ${item}`);
  if (field !== undefined) parts.push(`field "${field}"`);
  return parts.join(', ');
}
