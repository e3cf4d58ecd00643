/**
 * Reading the decision out of a generated answer, per output format (the formats formats.ts asks for): the answer
 * block is found in the text around it (prose, code fences), parsed in its format, and the decision field
 * (answer.plain.field) read and checked against its type. Every way this can fail has its own status.
 */
import { parse as parseYaml } from 'yaml';
import type { OutputFormat } from '../config/schemas.js';
import type { DecisionValue, ParsedAnswer, ParseStatus } from '../results/answers.js';
import { schemaFieldAt, type AnswerLayout, type AnswerSchema } from './formats.js';
import { parseTomlSubset, TomlSyntaxError } from './toml-subset.js';
import { parseXmlElement, XmlSyntaxError, type XmlElement } from './xml-element.js';

type LeafType = 'integer' | 'boolean' | 'string';

const parsed = (value: DecisionValue, detail: string | null = null): ParsedAnswer => ({ status: 'parsed', value, detail });
const failure = (status: Exclude<ParseStatus, 'parsed' | 'unknown_label'>, detail: string): ParsedAnswer => ({ status, value: null, detail });

/** The decision of `raw` (the model's output) for a strategy's answer layout. */
export function parseAnswer(raw: string, layout: AnswerLayout): ParsedAnswer {
  const field = schemaFieldAt(layout.schema, layout.plain.field);
  if (field === null || field.type === 'object' || field.type === 'string_list') {
    throw new Error(`answer.plain.field ${layout.plain.field} is not a single-value field`);
  }
  const type: LeafType = field.type;
  const path = layout.plain.field.split('.');
  const reader = READERS[layout.format];
  return reader(raw, path, type, layout);
}

type Reader = (raw: string, path: string[], type: LeafType, layout: AnswerLayout) => ParsedAnswer;

const READERS: Record<OutputFormat, Reader> = {
  json: readJson,
  yaml: (raw, path, type, layout) => readStructured(raw, path, type, 'YAML', yamlBlock(raw, layout.schema), parseYaml),
  toml: (raw, path, type, layout) => readStructured(raw, path, type, 'TOML', tomlBlock(raw, layout.schema), parseTomlSubset),
  xml: readXml,
  markdown: readMarkdown,
  plain: readPlain,
};

/** The value at `path` of a parsed document, checked against the field's type. */
function fromDocument(document: unknown, path: string[], type: LeafType, format: string): ParsedAnswer {
  let value: unknown = document;
  for (const name of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) {
      return failure('missing_field', `the ${format} answer has no field ${path.join('.')}`);
    }
    value = (value as Record<string, unknown>)[name];
  }
  return typedValue(value, type, path.join('.'));
}

function typedValue(value: unknown, type: LeafType, field: string): ParsedAnswer {
  const ok = type === 'integer' ? Number.isInteger(value) : type === 'boolean' ? typeof value === 'boolean' : typeof value === 'string';
  if (!ok) return failure('invalid_value', `${field} is ${describe(value)}, expected ${type === 'integer' ? 'an integer' : `a ${type}`}`);
  return parsed(value as DecisionValue);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Text inside ``` fences when the output has them (the model's answer block), else the whole text. */
function unfenced(raw: string): string {
  const fence = /```[A-Za-z]*[ \t]*\r?\n([\s\S]*?)```/.exec(raw);
  return fence ? (fence[1] as string) : raw;
}

// ---------------------------------------------------------------------------------------------------------- JSON

/**
 * The first balanced {...} in the text that parses as a JSON object holding the field; a balanced block that does
 * not parse is malformed, an opening brace never closed too.
 */
function readJson(raw: string, path: string[], type: LeafType): ParsedAnswer {
  const blocks = balancedObjects(raw);
  if (blocks.length === 0) {
    return raw.includes('{') ? failure('malformed', 'a JSON object is opened but never closed') : failure('no_answer', 'no JSON object in the output');
  }
  let firstProblem: ParsedAnswer | null = null;
  for (const block of blocks) {
    let document: unknown;
    try {
      document = JSON.parse(block);
    } catch (err) {
      firstProblem ??= failure('malformed', `the JSON object does not parse (${(err as Error).message})`);
      continue;
    }
    const result = fromDocument(document, path, type, 'JSON');
    if (result.status !== 'missing_field') return result;
    firstProblem ??= result;
  }
  return firstProblem as ParsedAnswer;
}

/** Top-level {...} spans, braces inside JSON strings ignored. */
function balancedObjects(text: string): string[] {
  const blocks: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"' && depth > 0) inString = true;
    else if (char === '{') {
      if (depth === 0) start = at;
      depth++;
    } else if (char === '}' && depth > 0) {
      depth--;
      if (depth === 0) blocks.push(text.slice(start, at + 1));
    }
  }
  return blocks;
}

// ----------------------------------------------------------------------------------------------- YAML and TOML

/** A block of lines starting at the first that opens with one of the schema's top-level keys; null when none does. */
function keyedBlock(raw: string, schema: AnswerSchema, opens: (line: string, key: string) => boolean, continues: (line: string) => boolean): string | null {
  const lines = unfenced(raw).split(/\r?\n/);
  const keys = Object.keys(schema);
  const start = lines.findIndex((line) => keys.some((key) => opens(line, key)));
  if (start < 0) return null;
  let end = start + 1;
  while (end < lines.length && continues(lines[end] as string)) end++;
  return lines.slice(start, end).join('\n');
}

function yamlBlock(raw: string, schema: AnswerSchema): string | null {
  const keys = Object.keys(schema);
  return keyedBlock(
    raw,
    schema,
    (line, key) => line.startsWith(`${key}:`),
    // Indented lines, list items and further top-level keys belong to the mapping; other prose ends it.
    (line) => line.trim() === '' || /^\s/.test(line) || line.startsWith('- ') || keys.some((key) => line.startsWith(`${key}:`)) || /^[A-Za-z_][\w]*:/.test(line),
  );
}

function tomlBlock(raw: string, schema: AnswerSchema): string | null {
  return keyedBlock(
    raw,
    schema,
    (line, key) => new RegExp(`^${key}\\s*=`).test(line) || line.startsWith(`[${key}`),
    (line) => {
      const trimmed = line.trim();
      return trimmed === '' || trimmed.startsWith('#') || /^\[[^\]]+\]$/.test(trimmed) || /^[A-Za-z_][\w.]*\s*=/.test(trimmed) || /^[\]"',\d-]/.test(trimmed);
    },
  );
}

function readStructured(
  raw: string,
  path: string[],
  type: LeafType,
  format: string,
  block: string | null,
  parse: (text: string) => unknown,
): ParsedAnswer {
  if (block === null) return failure('no_answer', `no ${format} answer (no line starts with an answer field)`);
  let document: unknown;
  try {
    document = parse(block);
  } catch (err) {
    const known = err instanceof TomlSyntaxError || (err instanceof Error && err.name.startsWith('YAML'));
    if (!known) throw err;
    return failure('malformed', `the ${format} answer does not parse (${(err as Error).message.split('\n')[0]})`);
  }
  return fromDocument(document, path, type, format);
}

// ------------------------------------------------------------------------------------------------------------ XML

const XML_ROOT = 'answer';

function readXml(raw: string, path: string[], type: LeafType): ParsedAnswer {
  const start = raw.search(new RegExp(`<${XML_ROOT}[\\s>]`));
  if (start < 0) return failure('no_answer', `no <${XML_ROOT}> element in the output`);
  let root: XmlElement;
  try {
    root = parseXmlElement(raw.slice(start));
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    return failure('malformed', `the <${XML_ROOT}> element does not parse (${err.message})`);
  }
  let element: XmlElement | undefined = root;
  for (const name of path) {
    element = element.children.find((child) => child.name === name);
    if (element === undefined) return failure('missing_field', `<${XML_ROOT}> has no <${path.join('>/<')}>`);
  }
  return textValue(element.text, type, path.join('.'));
}

/** A text value (XML, Markdown, plain) read as its field's type: integers as digits, booleans as true/false. */
function textValue(text: string, type: LeafType, field: string): ParsedAnswer {
  const value = text.trim();
  if (value === '') return failure('invalid_value', `${field} is empty`);
  if (type === 'string') return parsed(value);
  if (type === 'integer') {
    return /^[+-]?\d+$/.test(value) ? parsed(Number(value)) : failure('invalid_value', `${field} is "${value}", expected an integer`);
  }
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'false') return parsed(lower === 'true');
  return failure('invalid_value', `${field} is "${value}", expected true or false`);
}

// ------------------------------------------------------------------------------------------------------- Markdown

/** `- **field:** value` as formats.ts writes it (also `**field**:`); the field's last path segment names the line. */
function readMarkdown(raw: string, path: string[], type: LeafType): ParsedAnswer {
  const items = unfenced(raw)
    .split(/\r?\n/)
    .map((line) => /^\s*[-*+]\s+\*\*([^*:]+?)(?::\*\*|\*\*:)\s*(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null);
  if (items.length === 0) return failure('no_answer', 'no Markdown list item of the form "- **field:** value"');
  const name = path[path.length - 1] as string;
  const item = items.find((match) => (match[1] as string).trim() === name);
  if (item === undefined) return failure('missing_field', `no "- **${name}:**" item`);
  return textValue((item[2] as string).replace(/\*+$/, ''), type, path.join('.'));
}

// ---------------------------------------------------------------------------------------------------------- plain

/** The last `FINAL ANSWER: <label>` line; the label is read through the strategy's plain labels when it has them. */
function readPlain(raw: string, path: string[], type: LeafType, layout: AnswerLayout): ParsedAnswer {
  const matches = [...raw.matchAll(/FINAL ANSWER\s*:\s*(.*)/gi)];
  const last = matches[matches.length - 1];
  if (last === undefined) return failure('no_answer', 'no "FINAL ANSWER:" line');
  const said = normaliseLabel(last[1] as string);
  const labels = layout.plain.labels;
  if (labels === null) return textValue(said, type, path.join('.'));
  const entry = Object.entries(labels).find(([, label]) => normaliseLabel(label).toLowerCase() === said.toLowerCase());
  if (entry === undefined) {
    return failure('invalid_value', `"${said}" is none of the answers ${Object.values(labels).map((label) => `"${label}"`).join(', ')}`);
  }
  return textValue(entry[0], type, path.join('.'));
}

/** Markdown emphasis and trailing punctuation around a plain label removed. */
function normaliseLabel(text: string): string {
  return text
    .trim()
    .replace(/^[*_`"']+|[*_`"'.!]+$/g, '')
    .trim();
}
