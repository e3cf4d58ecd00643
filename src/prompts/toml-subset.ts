/**
 * The part of TOML an answer in formats.ts's TOML shape uses: `key = value` with strings, integers, floats, booleans
 * and one-line or multi-line arrays of them, `[table]` headers (dotted), comments. Anything else is a syntax error
 * with its line, so a model's broken TOML is reported as malformed rather than half read.
 */

export class TomlSyntaxError extends Error {
  override readonly name = 'TomlSyntaxError';
  constructor(detail: string, readonly line: number) {
    super(`line ${line}: ${detail}`);
  }
}

type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
interface TomlTable {
  [key: string]: TomlValue;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function parseTomlSubset(text: string): TomlTable {
  const root: TomlTable = {};
  let table = root;
  const definedTables = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let at = 0; at < lines.length; at++) {
    const lineNumber = at + 1;
    const line = stripComment(lines[at] as string, lineNumber).trim();
    if (line === '') continue;
    const header = /^\[([^[\]]+)\]$/.exec(line);
    if (header) {
      const path = keyPath(header[1] as string, lineNumber);
      const name = path.join('.');
      if (definedTables.has(name)) throw new TomlSyntaxError(`table [${name}] is defined twice`, lineNumber);
      definedTables.add(name);
      table = tableAt(root, path, lineNumber);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals < 0) throw new TomlSyntaxError(`expected key = value, got "${line}"`, lineNumber);
    const path = keyPath(line.slice(0, equals), lineNumber);
    let valueText = line.slice(equals + 1).trim();
    // A multi-line array runs until its brackets balance.
    while (valueText.startsWith('[') && !bracketsClosed(valueText) && at + 1 < lines.length) {
      at++;
      valueText += ` ${stripComment(lines[at] as string, at + 1).trim()}`;
    }
    const { value, rest } = parseValue(valueText, lineNumber);
    if (rest.trim() !== '') throw new TomlSyntaxError(`unexpected text after the value: "${rest.trim()}"`, lineNumber);
    const parent = tableAt(table, path.slice(0, -1), lineNumber);
    const key = path[path.length - 1] as string;
    if (Object.hasOwn(parent, key)) throw new TomlSyntaxError(`key ${path.join('.')} is defined twice`, lineNumber);
    parent[key] = value;
  }
  return root;
}

function keyPath(text: string, line: number): string[] {
  const parts = text.split('.').map((part) => part.trim().replace(/^"(.*)"$/, '$1'));
  if (parts.some((part) => !BARE_KEY.test(part))) throw new TomlSyntaxError(`"${text.trim()}" is not a key`, line);
  return parts;
}

function tableAt(root: TomlTable, path: readonly string[], line: number): TomlTable {
  let table = root;
  for (const name of path) {
    const next = table[name];
    if (next === undefined) {
      const created: TomlTable = {};
      table[name] = created;
      table = created;
    } else if (typeof next === 'object' && !Array.isArray(next)) table = next;
    else throw new TomlSyntaxError(`${name} is a value, not a table`, line);
  }
  return table;
}

/** The line without a # comment (a # inside a string stays). */
function stripComment(line: string, lineNumber: number): string {
  let quote: string | null = null;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (quote !== null) {
      if (quote === '"' && char === '\\') at++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#') return line.slice(0, at);
  }
  if (quote !== null) throw new TomlSyntaxError('a string is not closed', lineNumber);
  return line;
}

function bracketsClosed(text: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (quote !== null) {
      if (quote === '"' && char === '\\') at++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']') depth--;
  }
  return depth <= 0;
}

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

function parseValue(text: string, line: number): { value: TomlValue; rest: string } {
  if (text.startsWith('"')) {
    let value = '';
    for (let at = 1; at < text.length; at++) {
      const char = text[at] as string;
      if (char === '"') return { value, rest: text.slice(at + 1) };
      if (char !== '\\') {
        value += char;
        continue;
      }
      const code = text[at + 1] ?? '';
      if (code === 'u' || code === 'U') {
        const length = code === 'u' ? 4 : 8;
        const hex = text.slice(at + 2, at + 2 + length);
        if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== length) throw new TomlSyntaxError(`bad \\${code} escape`, line);
        value += String.fromCodePoint(parseInt(hex, 16));
        at += 1 + length;
      } else if (ESCAPES[code] !== undefined) {
        value += ESCAPES[code];
        at++;
      } else throw new TomlSyntaxError(`unknown escape \\${code}`, line);
    }
    throw new TomlSyntaxError('a string is not closed', line);
  }
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    if (end < 0) throw new TomlSyntaxError('a string is not closed', line);
    return { value: text.slice(1, end), rest: text.slice(end + 1) };
  }
  if (text.startsWith('[')) {
    const items: TomlValue[] = [];
    let rest = text.slice(1).trim();
    while (!rest.startsWith(']')) {
      if (rest === '') throw new TomlSyntaxError('an array is not closed', line);
      const item = parseValue(rest, line);
      items.push(item.value);
      rest = item.rest.trim();
      if (rest.startsWith(',')) rest = rest.slice(1).trim();
      else if (!rest.startsWith(']')) throw new TomlSyntaxError(`expected , or ] in an array, got "${rest}"`, line);
    }
    return { value: items, rest: rest.slice(1) };
  }
  const token = /^[^\s,\]]+/.exec(text)?.[0] ?? '';
  const rest = text.slice(token.length);
  if (token === 'true' || token === 'false') return { value: token === 'true', rest };
  if (/^[+-]?(0|[1-9](_?\d)*)$/.test(token)) return { value: Number(token.replaceAll('_', '')), rest };
  if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(token)) return { value: Number(token.replaceAll('_', '')), rest };
  throw new TomlSyntaxError(`"${token || text}" is not a TOML value`, line);
}
