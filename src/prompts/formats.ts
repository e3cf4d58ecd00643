import { stringify } from 'yaml';
import type { OutputFormat } from '../config/schemas.js';

/** A leaf of an answer schema: its value type and what the model should put there. */
export interface AnswerLeafField {
  type: 'integer' | 'boolean' | 'string' | 'string_list';
  description: string;
}

export interface AnswerObjectField {
  type: 'object';
  fields: AnswerSchema;
}

export type AnswerField = AnswerLeafField | AnswerObjectField;

/** The fields of the structured answer, in the order they are asked for. */
export interface AnswerSchema {
  [field: string]: AnswerField;
}

export type AnswerValue = string | number | boolean | string[] | AnswerRecord;

export interface AnswerRecord {
  [field: string]: AnswerValue;
}

/** How an answer reads as plain text: the rationale, then `FINAL ANSWER: <label of field>`. */
export interface PlainAnswerSpec {
  /** Dotted path of the field holding the decision, e.g. `pathological_fracture`. */
  field: string;
  /** Dotted path of the field holding the explanation; null: no explanation line. */
  rationale_field: string | null;
  /** Words for each decision value (keys are the values as text); null: the value itself. */
  labels: Record<string, string> | null;
}

/** Everything that decides how an answer is written out. */
export interface AnswerLayout {
  schema: AnswerSchema;
  format: OutputFormat;
  plain: PlainAnswerSpec;
  /** Decision before explanation: the decision field moves to the front and plain text starts with FINAL ANSWER. */
  answerFirst: boolean;
}

type Scalar =
  | { kind: 'value'; value: string | number | boolean }
  /** Stands for a value the model must fill in; `quoted` when the value is text. */
  | { kind: 'placeholder'; text: string; quoted: boolean };
type ListNode = { kind: 'list'; items: Scalar[] };
type ObjectNode = { kind: 'object'; entries: [string, AnswerNode][] };
type AnswerNode = Scalar | ListNode | ObjectNode;

const XML_ROOT = 'answer';

/** The field schema at a dotted path, or null. */
export function schemaFieldAt(schema: AnswerSchema, path: string): AnswerField | null {
  let fields: AnswerSchema | null = schema;
  let field: AnswerField | null = null;
  for (const name of path.split('.')) {
    field = fields !== null && Object.hasOwn(fields, name) ? (fields[name] ?? null) : null;
    if (field === null) return null;
    fields = field.type === 'object' ? field.fields : null;
  }
  return field;
}

function isAnswerRecord(value: AnswerValue | undefined): value is AnswerRecord {
  return typeof value === 'object' && !Array.isArray(value);
}

/** The value at a dotted path of an answer, or undefined. */
export function answerValueAt(answer: AnswerRecord, path: string): AnswerValue | undefined {
  let value: AnswerValue | undefined = answer;
  for (const name of path.split('.')) {
    value = isAnswerRecord(value) && Object.hasOwn(value, name) ? value[name] : undefined;
  }
  return value;
}

function leafMatches(type: AnswerLeafField['type'], value: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'string_list':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
  }
}

/** Dotted paths (with the problem) where `answer` does not follow `schema`; empty when it does. */
export function answerProblems(answer: unknown, schema: AnswerSchema, prefix = ''): string[] {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    return [`${prefix || 'answer'}: expected a mapping of answer fields`];
  }
  const record = answer as Record<string, unknown>;
  const unknown = Object.keys(record)
    .filter((name) => !Object.hasOwn(schema, name))
    .map((name) => `${prefix}${name}: not a field of the answer schema`);
  const checked = Object.entries(schema).flatMap(([name, field]) => {
    const path = `${prefix}${name}`;
    if (!Object.hasOwn(record, name)) return [`${path}: missing`];
    const value = record[name];
    if (field.type === 'object') return answerProblems(value, field.fields, `${path}.`);
    return leafMatches(field.type, value) ? [] : [`${path}: expected ${field.type.replace('_', ' ')}`];
  });
  return [...unknown, ...checked];
}

function answerTree(answer: AnswerRecord, schema: AnswerSchema): ObjectNode {
  const entries = Object.entries(schema).map(([name, field]): [string, AnswerNode] => {
    const value = answer[name];
    if (value === undefined) throw new Error(`answer has no field ${name}`);
    if (field.type === 'object') return [name, answerTree(value as AnswerRecord, field.fields)];
    if (Array.isArray(value)) return [name, { kind: 'list', items: value.map((item) => ({ kind: 'value', value: item })) }];
    return [name, { kind: 'value', value: value as string | number | boolean }];
  });
  return { kind: 'object', entries };
}

function skeletonTree(schema: AnswerSchema): ObjectNode {
  const entries = Object.entries(schema).map(([name, field]): [string, AnswerNode] => {
    if (field.type === 'object') return [name, skeletonTree(field.fields)];
    const quoted = field.type === 'string' || field.type === 'string_list';
    const placeholder: Scalar = { kind: 'placeholder', text: field.description, quoted };
    return [name, field.type === 'string_list' ? { kind: 'list', items: [placeholder] } : placeholder];
  });
  return { kind: 'object', entries };
}

function jsonScalar(scalar: Scalar): string {
  if (scalar.kind === 'value') return JSON.stringify(scalar.value);
  return scalar.quoted ? `"<${scalar.text}>"` : `<${scalar.text}>`;
}

function renderJson(node: AnswerNode, depth: number): string {
  const pad = '  '.repeat(depth);
  if (node.kind === 'object') {
    if (node.entries.length === 0) return '{}';
    const lines = node.entries.map(([name, child]) => `${pad}  ${JSON.stringify(name)}: ${renderJson(child, depth + 1)}`);
    return `{\n${lines.join(',\n')}\n${pad}}`;
  }
  if (node.kind === 'list') {
    if (node.items.length === 0) return '[]';
    return `[\n${node.items.map((item) => `${pad}  ${jsonScalar(item)}`).join(',\n')}\n${pad}]`;
  }
  return jsonScalar(node);
}

function yamlScalar(scalar: Scalar): string {
  if (scalar.kind === 'placeholder') return `<${scalar.text}>`;
  return stringify(scalar.value, { lineWidth: 0, blockQuote: false }).trimEnd();
}

function renderYaml(node: ObjectNode, depth: number): string[] {
  const pad = '  '.repeat(depth);
  return node.entries.flatMap(([name, child]) => {
    if (child.kind === 'object') return [`${pad}${name}:`, ...renderYaml(child, depth + 1)];
    if (child.kind === 'list') {
      if (child.items.length === 0) return [`${pad}${name}: []`];
      return [`${pad}${name}:`, ...child.items.map((item) => `${pad}  - ${yamlScalar(item)}`)];
    }
    return [`${pad}${name}: ${yamlScalar(child)}`];
  });
}

function tomlScalar(scalar: Scalar): string {
  // JSON string syntax is valid TOML basic-string syntax.
  if (scalar.kind === 'value') return typeof scalar.value === 'string' ? JSON.stringify(scalar.value) : String(scalar.value);
  return scalar.quoted ? `"<${scalar.text}>"` : `<${scalar.text}>`;
}

/** TOML needs a table's plain keys before its sub-tables, so nested objects come last. */
function renderToml(node: ObjectNode, table: string): string[] {
  const lines: string[] = [];
  for (const [name, child] of node.entries) {
    if (child.kind === 'list') lines.push(`${name} = [${child.items.map(tomlScalar).join(', ')}]`);
    else if (child.kind !== 'object') lines.push(`${name} = ${tomlScalar(child)}`);
  }
  for (const [name, child] of node.entries) {
    if (child.kind !== 'object') continue;
    const subTable = table ? `${table}.${name}` : name;
    lines.push('', `[${subTable}]`, ...renderToml(child, subTable));
  }
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlScalar(scalar: Scalar): string {
  return escapeXml(scalar.kind === 'value' ? String(scalar.value) : `[${scalar.text}]`);
}

function renderXml(name: string, node: AnswerNode, depth: number): string[] {
  const pad = '  '.repeat(depth);
  if (node.kind === 'object') {
    const children = node.entries.flatMap(([child, value]) => renderXml(child, value, depth + 1));
    return [`${pad}<${name}>`, ...children, `${pad}</${name}>`];
  }
  if (node.kind === 'list') {
    if (node.items.length === 0) return [`${pad}<${name}/>`];
    return [`${pad}<${name}>`, ...node.items.map((item) => `${pad}  <item>${xmlScalar(item)}</item>`), `${pad}</${name}>`];
  }
  return [`${pad}<${name}>${xmlScalar(node)}</${name}>`];
}

function markdownScalar(scalar: Scalar): string {
  return scalar.kind === 'value' ? String(scalar.value) : `<${scalar.text}>`;
}

function renderMarkdown(node: ObjectNode, depth: number): string[] {
  const pad = '  '.repeat(depth);
  return node.entries.flatMap(([name, child]) => {
    if (child.kind === 'object') return [`${pad}- **${name}:**`, ...renderMarkdown(child, depth + 1)];
    if (child.kind === 'list') {
      if (child.items.length === 0) return [`${pad}- **${name}:** (none)`];
      return [`${pad}- **${name}:**`, ...child.items.map((item) => `${pad}  - ${markdownScalar(item)}`)];
    }
    return [`${pad}- **${name}:** ${markdownScalar(child)}`];
  });
}

function renderStructured(tree: ObjectNode, format: Exclude<OutputFormat, 'plain'>): string {
  switch (format) {
    case 'json':
      return renderJson(tree, 0);
    case 'yaml':
      return renderYaml(tree, 0).join('\n');
    case 'toml':
      return renderToml(tree, '').join('\n');
    case 'xml':
      return renderXml(XML_ROOT, tree, 0).join('\n');
    case 'markdown':
      return renderMarkdown(tree, 0).join('\n');
  }
}

function plainLabel(value: AnswerValue | undefined, plain: PlainAnswerSpec): string {
  const text = String(value);
  return plain.labels?.[text] ?? text;
}

/** With answerFirst, the top-level field holding the decision comes first. */
function ordered(tree: ObjectNode, layout: AnswerLayout): ObjectNode {
  if (!layout.answerFirst) return tree;
  const decisionRoot = layout.plain.field.split('.')[0];
  const first = tree.entries.filter(([name]) => name === decisionRoot);
  return { kind: 'object', entries: [...first, ...tree.entries.filter(([name]) => name !== decisionRoot)] };
}

function plainLines(rationale: string | null, finalLine: string, answerFirst: boolean): string {
  if (rationale === null) return finalLine;
  return answerFirst ? `${finalLine}\n${rationale}` : `${rationale}\n${finalLine}`;
}

/** A filled-in answer (a few-shot example) written in the output format. */
export function renderAnswer(answer: AnswerRecord, layout: AnswerLayout): string {
  const { format, plain } = layout;
  if (format !== 'plain') return renderStructured(ordered(answerTree(answer, layout.schema), layout), format);
  const rationale = plain.rationale_field === null ? null : String(answerValueAt(answer, plain.rationale_field));
  return plainLines(rationale, `FINAL ANSWER: ${plainLabel(answerValueAt(answer, plain.field), plain)}`, layout.answerFirst);
}

function leafDescription(schema: AnswerSchema, path: string): string {
  const field = schemaFieldAt(schema, path);
  return field !== null && field.type !== 'object' ? field.description : path;
}

/** The answer's shape with a `<description>` placeholder for each value, written in the output format. */
export function renderAnswerSkeleton(layout: AnswerLayout): string {
  const { schema, format, plain } = layout;
  if (format !== 'plain') return renderStructured(ordered(skeletonTree(schema), layout), format);
  const choices = plain.labels ? Object.values(plain.labels).join(' or ') : leafDescription(schema, plain.field);
  const rationale = plain.rationale_field === null ? null : `<${leafDescription(schema, plain.rationale_field)}>`;
  return plainLines(rationale, `FINAL ANSWER: <${choices}>`, layout.answerFirst);
}

/** The answer-format part of a prompt: the strategy's instruction for this format, then the answer's shape. */
export function formatInstructions(intro: string, layout: AnswerLayout): string {
  return `${intro}\n${renderAnswerSkeleton(layout)}`;
}
