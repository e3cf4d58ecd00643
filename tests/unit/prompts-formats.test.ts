import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { OutputFormat } from '../../src/config/schemas.js';
import {
  answerProblems,
  answerValueAt,
  formatInstructions,
  renderAnswer,
  renderAnswerSkeleton,
  schemaFieldAt,
  type AnswerLayout,
  type AnswerRecord,
  type AnswerSchema,
} from '../../src/prompts/formats.js';

const schema: AnswerSchema = {
  detail: {
    type: 'object',
    fields: {
      cues: { type: 'string_list', description: 'a cue' },
      note: { type: 'string', description: 'a short note' },
    },
  },
  verdict: { type: 'boolean', description: 'true or false' },
  score: { type: 'integer', description: '0 to 3' },
};
const answer: AnswerRecord = { detail: { cues: ['a<b', 'say "hi"'], note: 'x: y & z' }, verdict: true, score: 2 };
const plain = { field: 'verdict', rationale_field: 'detail.note', labels: { true: 'YES', false: 'NO' } };
const layout = (format: OutputFormat, answerFirst = false): AnswerLayout => ({ schema, format, plain, answerFirst });

describe('renderAnswer', () => {
  it('json: the answer as pretty JSON in schema order', () => {
    expect(renderAnswer(answer, layout('json'))).toBe(JSON.stringify(answer, null, 2));
  });

  it('json with answerFirst: the decision field first', () => {
    const rendered = renderAnswer(answer, layout('json', true));
    expect(Object.keys(JSON.parse(rendered) as object)).toEqual(['verdict', 'detail', 'score']);
    expect(JSON.parse(rendered)).toEqual(answer);
  });

  it('yaml: block mappings and lists, quoting only where YAML needs it', () => {
    const rendered = renderAnswer(answer, layout('yaml'));
    expect(rendered).toBe(['detail:', '  cues:', '    - a<b', '    - say "hi"', '  note: "x: y & z"', 'verdict: true', 'score: 2'].join('\n'));
    expect(parse(rendered)).toEqual(answer);
  });

  it('toml: plain keys first, nested objects as tables', () => {
    expect(renderAnswer(answer, layout('toml'))).toBe(
      ['verdict = true', 'score = 2', '', '[detail]', 'cues = ["a<b", "say \\"hi\\""]', 'note = "x: y & z"'].join('\n'),
    );
  });

  it('xml: one <answer> element, list items as <item>, text escaped', () => {
    expect(renderAnswer(answer, layout('xml'))).toBe(
      [
        '<answer>',
        '  <detail>',
        '    <cues>',
        '      <item>a&lt;b</item>',
        '      <item>say "hi"</item>',
        '    </cues>',
        '    <note>x: y &amp; z</note>',
        '  </detail>',
        '  <verdict>true</verdict>',
        '  <score>2</score>',
        '</answer>',
      ].join('\n'),
    );
  });

  it('markdown: a nested bullet list with bold field names', () => {
    expect(renderAnswer(answer, layout('markdown'))).toBe(
      ['- **detail:**', '  - **cues:**', '    - a<b', '    - say "hi"', '  - **note:** x: y & z', '- **verdict:** true', '- **score:** 2'].join('\n'),
    );
  });

  it('plain: rationale then FINAL ANSWER with the label; answerFirst swaps them', () => {
    expect(renderAnswer(answer, layout('plain'))).toBe('x: y & z\nFINAL ANSWER: YES');
    expect(renderAnswer(answer, layout('plain', true))).toBe('FINAL ANSWER: YES\nx: y & z');
    const unlabelled: AnswerLayout = { schema, format: 'plain', plain: { field: 'score', rationale_field: null, labels: null }, answerFirst: false };
    expect(renderAnswer(answer, unlabelled)).toBe('FINAL ANSWER: 2');
  });

  it('renders empty lists in every structured format', () => {
    const empty: AnswerRecord = { ...answer, detail: { cues: [], note: 'n' } };
    expect(renderAnswer(empty, layout('json'))).toContain('"cues": [],');
    expect(renderAnswer(empty, layout('yaml'))).toContain('  cues: []');
    expect(renderAnswer(empty, layout('toml'))).toContain('cues = []');
    expect(renderAnswer(empty, layout('xml'))).toContain('    <cues/>');
    expect(renderAnswer(empty, layout('markdown'))).toContain('  - **cues:** (none)');
  });
});

describe('renderAnswerSkeleton', () => {
  it('json: text placeholders quoted, numbers and booleans bare', () => {
    expect(renderAnswerSkeleton(layout('json'))).toBe(
      ['{', '  "detail": {', '    "cues": [', '      "<a cue>"', '    ],', '    "note": "<a short note>"', '  },', '  "verdict": <true or false>,', '  "score": <0 to 3>', '}'].join('\n'),
    );
  });

  it('yaml, toml, xml and markdown', () => {
    expect(renderAnswerSkeleton(layout('yaml'))).toBe(
      ['detail:', '  cues:', '    - <a cue>', '  note: <a short note>', 'verdict: <true or false>', 'score: <0 to 3>'].join('\n'),
    );
    expect(renderAnswerSkeleton(layout('toml'))).toBe(
      ['verdict = <true or false>', 'score = <0 to 3>', '', '[detail]', 'cues = ["<a cue>"]', 'note = "<a short note>"'].join('\n'),
    );
    expect(renderAnswerSkeleton(layout('xml', true)).split('\n').slice(0, 3)).toEqual(['<answer>', '  <verdict>[true or false]</verdict>', '  <detail>']);
    expect(renderAnswerSkeleton(layout('markdown'))).toBe(
      ['- **detail:**', '  - **cues:**', '    - <a cue>', '  - **note:** <a short note>', '- **verdict:** <true or false>', '- **score:** <0 to 3>'].join(
        '\n',
      ),
    );
  });

  it('plain: the rationale description and the label choices', () => {
    expect(renderAnswerSkeleton(layout('plain'))).toBe('<a short note>\nFINAL ANSWER: <YES or NO>');
    expect(renderAnswerSkeleton({ ...layout('plain'), plain: { field: 'score', rationale_field: null, labels: null } })).toBe(
      'FINAL ANSWER: <0 to 3>',
    );
  });

  it('formatInstructions puts the strategy sentence above the shape', () => {
    expect(formatInstructions('Reply in YAML:', layout('yaml'))).toBe(`Reply in YAML:\n${renderAnswerSkeleton(layout('yaml'))}`);
  });
});

describe('answer schema helpers', () => {
  it('finds fields and values by dotted path', () => {
    expect(schemaFieldAt(schema, 'detail.note')).toEqual({ type: 'string', description: 'a short note' });
    expect(schemaFieldAt(schema, 'detail.missing')).toBeNull();
    expect(schemaFieldAt(schema, 'verdict.deeper')).toBeNull();
    expect(answerValueAt(answer, 'detail.cues')).toEqual(['a<b', 'say "hi"']);
    expect(answerValueAt(answer, 'score.deeper')).toBeUndefined();
  });

  it('lists every way an answer departs from the schema', () => {
    expect(answerProblems(answer, schema)).toEqual([]);
    expect(answerProblems({ detail: { cues: 'a', note: 3, extra: 1 }, verdict: 'yes', score: 1.5, more: 0 }, schema)).toEqual([
      'more: not a field of the answer schema',
      'detail.extra: not a field of the answer schema',
      'detail.cues: expected string list',
      'detail.note: expected string',
      'verdict: expected boolean',
      'score: expected integer',
    ]);
    expect(answerProblems({ verdict: true, score: 1 }, schema)).toEqual(['detail: missing']);
    expect(answerProblems([], schema)).toEqual(['answer: expected a mapping of answer fields']);
  });
});
