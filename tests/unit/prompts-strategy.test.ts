import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { PromptSpec } from '../../src/config/schemas.js';
import type { Sample } from '../../src/datasets/sample.js';
import { PromptStrategyError } from '../../src/prompts/errors.js';
import { datasetFormatWarning, loadPromptStrategy, templateKind } from '../../src/prompts/strategy.js';

const configDir = fileURLToPath(new URL('../fixtures/prompts', import.meta.url));
const tinyFile = join(configDir, 'prompt', 'strategies', 'tiny.yaml');

const spec = (options: Partial<PromptSpec> = {}): PromptSpec => ({
  name: 'tiny-prompt',
  strategy: 'tiny',
  output_format: 'json',
  few_shot: true,
  answer_first: false,
  contrarian: false,
  ...options,
});

const sample: Sample = { idx: 3, text: 'Report {x}', label: 1, metadata: { ground_truth: 'GT' } };

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A config dir whose tiny.yaml is the fixture with one edit; returns the dir and the edited file's path. */
function tinyWith(edit: (text: string) => string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'prompts-strategy-'));
  tempDirs.push(dir);
  cpSync(configDir, dir, { recursive: true });
  const file = join(dir, 'prompt', 'strategies', 'tiny.yaml');
  const edited = edit(readFileSync(tinyFile, 'utf8'));
  expect(edited).not.toBe(readFileSync(tinyFile, 'utf8'));
  writeFileSync(file, edited);
  return { dir, file };
}

function loadError(dir: string, options: Partial<PromptSpec> = {}): PromptStrategyError {
  try {
    loadPromptStrategy(spec(options), dir);
  } catch (error) {
    if (error instanceof PromptStrategyError) return error;
    throw error;
  }
  throw new Error('expected a PromptStrategyError');
}

const examplesJson = [
  'Examples:',
  '',
  'Example 1:',
  'Case:',
  'c1',
  '',
  'Text:',
  'r1',
  '',
  'Answer:',
  '{',
  '  "note": "n1",',
  '  "verdict": true',
  '}',
  '',
  'Example 2:',
  'Case:',
  'c2',
  '',
  'Text:',
  'r2',
  '',
  'Answer:',
  '{',
  '  "note": "n2",',
  '  "verdict": false',
  '}',
  '',
];

describe('loadPromptStrategy: rendering', () => {
  it('renders the standard template with examples, case, report and JSON instructions', () => {
    const strategy = loadPromptStrategy(spec(), configDir);
    expect(strategy.name).toBe('tiny-prompt');
    expect(strategy.systemPrompt()).toBe('You read notes.');
    expect(strategy.buildPrompt(sample)).toBe(
      [
        'STANDARD',
        ...examplesJson,
        'CASE: GT',
        'TEXT: Report {x}',
        'Q: Report {x} {literal}',
        '',
        'JSON:',
        '{',
        '  "note": "<a short note>",',
        '  "verdict": <true or false>',
        '}',
      ].join('\n'),
    );
  });

  it('omits the examples entirely when few_shot is false', () => {
    const prompt = loadPromptStrategy(spec({ few_shot: false }), configDir).buildPrompt(sample);
    expect(prompt.split('\n').slice(0, 4)).toEqual(['STANDARD', 'CASE: GT', 'TEXT: Report {x}', 'Q: Report {x} {literal}']);
    expect(prompt).not.toContain('Example');
  });

  it('renders examples and instructions in the chosen format', () => {
    const plain = loadPromptStrategy(spec({ output_format: 'plain' }), configDir).buildPrompt(sample).split('\n');
    expect(plain).toEqual(expect.arrayContaining(['Answer:', 'n1', 'FINAL ANSWER: YES', 'n2', 'FINAL ANSWER: NO', 'PLAIN:', '<a short note>', 'FINAL ANSWER: <YES or NO>']));
    const xml = loadPromptStrategy(spec({ output_format: 'xml' }), configDir).buildPrompt(sample);
    expect(xml).toContain('Answer:\n<answer>\n  <note>n1</note>\n  <verdict>true</verdict>\n</answer>\n\nExample 2:');
    expect(xml).toContain('XML:\n<answer>\n  <note>[a short note]</note>\n  <verdict>[true or false]</verdict>\n</answer>');
    const yaml = loadPromptStrategy(spec({ output_format: 'yaml', few_shot: false }), configDir).buildPrompt(sample);
    expect(yaml.endsWith('YAML:\nnote: <a short note>\nverdict: <true or false>')).toBe(true);
  });

  it('chooses answer_first over contrarian over standard, and the contrarian role with contrarian', () => {
    expect(templateKind(spec({ answer_first: true, contrarian: true }))).toBe('answer_first');
    expect(templateKind(spec({ contrarian: true }))).toBe('contrarian');
    expect(templateKind(spec())).toBe('standard');
    const both = loadPromptStrategy(spec({ answer_first: true, contrarian: true, few_shot: false, output_format: 'plain' }), configDir);
    expect(both.buildPrompt(sample)).toBe('ANSWER FIRST\nTEXT: Report {x}\n\nPLAIN:\nFINAL ANSWER: <YES or NO>\n<a short note>');
    expect(both.systemPrompt()).toBe('You doubt notes.');
    const contrarian = loadPromptStrategy(spec({ contrarian: true, few_shot: false }), configDir);
    expect(contrarian.buildPrompt(sample).split('\n')[0]).toBe('CONTRARIAN');
  });

  it('puts the decision first in answer_first examples', () => {
    const prompt = loadPromptStrategy(spec({ answer_first: true }), configDir).buildPrompt(sample);
    expect(prompt).toContain('Answer:\n{\n  "verdict": true,\n  "note": "n1"\n}');
  });

  it('uses "Not provided" for {source_case} when the sample has no usable ground_truth', () => {
    const strategy = loadPromptStrategy(spec({ few_shot: false }), configDir);
    const caseLine = (metadata: Record<string, unknown>) => strategy.buildPrompt({ ...sample, metadata }).split('\n')[1];
    expect(caseLine({})).toBe('CASE: Not provided');
    expect(caseLine({ ground_truth: '   ' })).toBe('CASE: Not provided');
    expect(caseLine({ ground_truth: null })).toBe('CASE: Not provided');
    expect(caseLine({ ground_truth: 7 })).toBe('CASE: 7');
  });
});

describe('loadPromptStrategy: fullInput', () => {
  it('joins system prompt and prompt with a blank line and appends the answer cue', () => {
    const strategy = loadPromptStrategy(spec(), configDir);
    const prompt = strategy.buildPrompt(sample);
    expect(strategy.fullInput(sample, null)).toBe(`You read notes.\n\n${prompt}`);
    expect(strategy.fullInput(sample, '\n\nAnswer:')).toBe(`You read notes.\n\n${prompt}\n\nAnswer:`);
  });

  it('is just the prompt (plus cue) when the system role is empty', () => {
    const { dir } = tinyWith((text) => text.replace("system_role: '  You read notes.  '", "system_role: ''"));
    const strategy = loadPromptStrategy(spec(), dir);
    expect(strategy.systemPrompt()).toBeNull();
    expect(strategy.fullInput(sample, 'CUE')).toBe(`${strategy.buildPrompt(sample)}CUE`);
  });
});

describe('loadPromptStrategy: errors', () => {
  it('names the file and placeholder of an unknown placeholder, even in a template not in use', () => {
    const { dir, file } = tinyWith((text) => text.replace('CONTRARIAN\n', 'CONTRARIAN {patient_age}\n'));
    const error = loadError(dir);
    expect(error.message).toBe(
      `${file}: templates.contrarian: unknown placeholder {patient_age}; known placeholders: {report}, {source_case}, {question}, {examples}, {format_instructions}`,
    );
    expect([error.file, error.field, error.placeholder]).toEqual([file, 'templates.contrarian', 'patient_age']);
  });

  it('rejects a lone brace and placeholders in system roles', () => {
    const lone = tinyWith((text) => text.replace('STANDARD\n', 'STANDARD {\n'));
    expect(loadError(lone.dir).message).toBe(`${lone.file}: templates.standard: unmatched '{'; write {{ or }} for a literal brace`);
    const role = tinyWith((text) => text.replace('You doubt notes.', 'You doubt {report}.'));
    expect(loadError(role.dir).message).toBe(`${role.file}: system_role_contrarian: unknown placeholder {report}; no placeholders are allowed here`);
  });

  it('checks examples against the answer schema and the input labels', () => {
    const wrongType = tinyWith((text) => text.replace('verdict: false', 'verdict: maybe'));
    expect(loadError(wrongType.dir).message).toBe(`${wrongType.file}: few_shot.examples.1.answer: verdict: expected boolean`);
    const missingInput = tinyWith((text) => text.replace('    - source_case: c2\n      report: r2', '    - report: r2'));
    expect(loadError(missingInput.dir).message).toBe(`${missingInput.file}: few_shot.examples.1: source_case missing or not text`);
  });

  it('checks the plain-answer fields exist in the schema', () => {
    const { dir, file } = tinyWith((text) => text.replace('    field: verdict', '    field: decision'));
    expect(loadError(dir).message).toBe(`${file}: answer.plain.field: 'decision' is not a single-value field of answer.fields`);
  });

  it('reports schema violations of the file with their paths', () => {
    const { dir, file } = tinyWith((text) => text.replace("  markdown: 'MARKDOWN:'\n", ''));
    expect(loadError(dir).message).toBe(`${file}: format_instructions.markdown: Invalid input: expected string, received undefined`);
  });

  it('reports a missing strategy file with the prompt that names it', () => {
    const error = loadError(configDir, { strategy: 'absent' });
    expect(error.message).toBe(
      `${join(configDir, 'prompt', 'strategies', 'absent.yaml')}: strategy file not found (prompt 'tiny-prompt' names strategy 'absent')`,
    );
  });
});

describe('dataset formats', () => {
  const withFormats = (list: string) => tinyWith((text) => text.replace('description: Tiny strategy for tests.\n', `description: Tiny strategy for tests.\ndataset_formats: ${list}\n`));

  it('leaves a strategy without dataset_formats open to any dataset', () => {
    const strategy = loadPromptStrategy(spec(), configDir);
    expect(strategy.datasetFormats).toBeNull();
    expect(datasetFormatWarning(strategy, { name: 'radiology', format: 'radiology' })).toBeNull();
  });

  it('warns, naming prompt, formats and dataset, only when the dataset format is not listed', () => {
    const strategy = loadPromptStrategy(spec({ name: 'histopathology' }), withFormats('[hare_tsv]').dir);
    expect(strategy.datasetFormats).toEqual(['hare_tsv']);
    expect(datasetFormatWarning(strategy, { name: 'radiology', format: 'radiology' })).toBe(
      "prompt 'histopathology' is written for hare_tsv datasets, dataset 'radiology' is radiology",
    );
    expect(datasetFormatWarning(strategy, { name: 'hare', format: 'hare_tsv' })).toBeNull();
    const two = loadPromptStrategy(spec(), withFormats('[hare_tsv, delimited]').dir);
    expect(datasetFormatWarning(two, { name: 'reports', format: 'radiology' })).toBe(
      "prompt 'tiny-prompt' is written for hare_tsv or delimited datasets, dataset 'reports' is radiology",
    );
    expect(datasetFormatWarning(two, { name: 'reports', format: 'delimited' })).toBeNull();
  });

  it('rejects unknown, repeated or no formats with the field path', () => {
    const unknown = withFormats('[pathology]');
    expect(loadError(unknown.dir).message).toMatch(new RegExp(`^${unknown.file}: dataset_formats\\.0: .*"hare_tsv"`));
    const twice = withFormats('[radiology, radiology]');
    expect(loadError(twice.dir).message).toBe(`${twice.file}: dataset_formats: a dataset format is listed twice`);
    const none = withFormats('[]');
    expect(loadError(none.dir).message).toBe(`${none.file}: dataset_formats: list at least one dataset format, or leave dataset_formats out`);
  });
});
