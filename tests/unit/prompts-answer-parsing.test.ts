import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, type OutputFormat } from '../../src/config/schemas.js';
import { parseAnswer } from '../../src/prompts/answer-parsing.js';
import { renderAnswer, type AnswerLayout, type AnswerRecord, type AnswerSchema } from '../../src/prompts/formats.js';
import { parseTomlSubset, TomlSyntaxError } from '../../src/prompts/toml-subset.js';
import { parseXmlElement, XmlSyntaxError } from '../../src/prompts/xml-element.js';

/** The bundled radiology strategy's answer shape: a nested object, a list, and a boolean decision with plain labels. */
const radiology: AnswerSchema = {
  fracture_mentioned: { type: 'boolean', description: 'true if the report describes a current fracture' },
  pathological_fracture: { type: 'boolean', description: 'true only if pathological' },
  evidence: {
    type: 'object',
    fields: {
      report_findings: { type: 'string_list', description: 'phrase copied from the report' },
      rationale: { type: 'string', description: 'one or two sentences' },
    },
  },
};
const radiologyPlain = { field: 'pathological_fracture', rationale_field: 'evidence.rationale', labels: { true: 'PATHOLOGICAL FRACTURE', false: 'NOT A PATHOLOGICAL FRACTURE' } };
/** The histopathology strategy's shape: an integer decision, no plain labels. */
const histopathology: AnswerSchema = {
  quality_score: { type: 'integer', description: '0, 1 or 2' },
  reasoning: { type: 'string', description: 'one or two sentences' },
};
const histopathologyPlain = { field: 'quality_score', rationale_field: 'reasoning', labels: null };

const fracture: AnswerRecord = {
  fracture_mentioned: true,
  pathological_fracture: false,
  evidence: { report_findings: ['buckle fracture of the distal radius', 'normal bone density'], rationale: 'A fall on normal bone: "traumatic" & not <pathological>.' },
};
const rating: AnswerRecord = { quality_score: 2, reasoning: 'All findings match.' };

const radiologyLayout = (format: OutputFormat, answerFirst = false): AnswerLayout => ({ schema: radiology, format, plain: radiologyPlain, answerFirst });
const histopathologyLayout = (format: OutputFormat): AnswerLayout => ({ schema: histopathology, format, plain: histopathologyPlain, answerFirst: false });

describe.each(OUTPUT_FORMATS)('%s answers', (format) => {
  it('read the decision of a well-formed answer, alone or with prose and fences around it', () => {
    for (const answerFirst of [false, true]) {
      const layout = radiologyLayout(format, answerFirst);
      const rendered = renderAnswer(fracture, layout);
      expect(parseAnswer(rendered, layout)).toMatchObject({ status: 'parsed', value: false });
      const chatty = `Let me look at the report.\n\n\`\`\`${format}\n${rendered}\n\`\`\`\n`;
      expect(parseAnswer(chatty, layout)).toMatchObject({ status: 'parsed', value: false });
    }
    const layout = histopathologyLayout(format);
    expect(parseAnswer(`${renderAnswer(rating, layout)}\n`, layout)).toMatchObject({ status: 'parsed', value: 2 });
  });

  it('say no_answer when the output holds nothing in the format', () => {
    const result = parseAnswer('I cannot tell from this report.', radiologyLayout(format));
    expect(result).toMatchObject({ status: 'no_answer', value: null });
    expect(result.detail).toBeTruthy();
  });
});

describe('malformed answers', () => {
  it.each([
    ['json', '{"fracture_mentioned": true, "pathological_fracture": false,, }', /JSON object does not parse/],
    ['json', '{"pathological_fracture": false, "evidence": {"rationale": "cut off', /opened but never closed/],
    ['yaml', 'pathological_fracture: false\nevidence:\n  report_findings: [unclosed\n', /YAML answer does not parse/],
    ['toml', 'pathological_fracture = false\nfracture_mentioned = "unclosed\n', /TOML answer does not parse/],
    ['toml', 'pathological_fracture = false\npathological_fracture = true\n', /defined twice/],
    ['xml', '<answer>\n  <pathological_fracture>false</fracture_mentioned>\n</answer>', /closed by <\/fracture_mentioned>/],
    ['xml', '<answer>\n  <pathological_fracture>false</pathological_fracture>\n', /never closed/],
  ] as const)('%s: %s', (format, text, detail) => {
    const result = parseAnswer(text, radiologyLayout(format));
    expect(result.status).toBe('malformed');
    expect(result.value).toBeNull();
    expect(result.detail).toMatch(detail);
  });
});

describe('answers without the decision field or with a bad value', () => {
  it.each([
    ['json', '{"fracture_mentioned": true}', 'missing_field'],
    ['json', '{"pathological_fracture": "yes"}', 'invalid_value'],
    ['yaml', 'fracture_mentioned: true\n', 'missing_field'],
    ['yaml', 'pathological_fracture: maybe\n', 'invalid_value'],
    ['toml', 'fracture_mentioned = true\n', 'missing_field'],
    ['toml', 'pathological_fracture = 1\n', 'invalid_value'],
    ['xml', '<answer><fracture_mentioned>true</fracture_mentioned></answer>', 'missing_field'],
    ['xml', '<answer><pathological_fracture>perhaps</pathological_fracture></answer>', 'invalid_value'],
    ['markdown', '- **fracture_mentioned:** true', 'missing_field'],
    ['markdown', '- **pathological_fracture:** ', 'invalid_value'],
    ['plain', 'Looks traumatic.\nFINAL ANSWER: FRACTURE OF SOME KIND', 'invalid_value'],
  ] as const)('%s: %s -> %s', (format, text, status) => {
    const result = parseAnswer(text, radiologyLayout(format));
    expect(result).toMatchObject({ status, value: null });
    expect(result.detail).toMatch(/pathological_fracture|FRACTURE/);
  });

  it('integer fields take integers only', () => {
    expect(parseAnswer('{"quality_score": 1.5}', histopathologyLayout('json')).status).toBe('invalid_value');
    expect(parseAnswer('<answer><quality_score>two</quality_score></answer>', histopathologyLayout('xml')).status).toBe('invalid_value');
    expect(parseAnswer('FINAL ANSWER: 1', histopathologyLayout('plain'))).toMatchObject({ status: 'parsed', value: 1 });
  });

  it('plain answers: the last FINAL ANSWER line counts, labels matched whole and without emphasis', () => {
    const layout = radiologyLayout('plain');
    expect(parseAnswer('FINAL ANSWER: PATHOLOGICAL FRACTURE\nOn reflection...\nFINAL ANSWER: **Not a pathological fracture.**', layout)).toMatchObject({ status: 'parsed', value: false });
    expect(parseAnswer('final answer: pathological fracture', layout)).toMatchObject({ status: 'parsed', value: true });
  });

  it('json: the first object holding the field wins over earlier ones without it', () => {
    expect(parseAnswer('Example {"note": 1} then {"pathological_fracture": true}', radiologyLayout('json'))).toMatchObject({ status: 'parsed', value: true });
  });
});

describe('the TOML subset and XML element readers', () => {
  it('read what formats.ts writes, and strings, numbers, arrays across lines', () => {
    expect(parseTomlSubset('a = "x \\"q\\" \\u00e9" # note\nb = [\n  1,\n  2_000,\n]\nc = -1.5e3\n\n[t.u]\nd = \'lit\'\n')).toEqual({
      a: 'x "q" é',
      b: [1, 2000],
      c: -1500,
      t: { u: { d: 'lit' } },
    });
    expect(() => parseTomlSubset('a = tru')).toThrow(TomlSyntaxError);
    expect(parseXmlElement(' <a x="1"><b>1 &lt; 2 &amp; &#x41;</b><!-- c --><c/><![CDATA[<raw>]]></a> trailing')).toEqual({
      name: 'a',
      text: '<raw>',
      children: [
        { name: 'b', text: '1 < 2 & A', children: [] },
        { name: 'c', text: '', children: [] },
      ],
    });
    expect(() => parseXmlElement('<a>x & y</a>')).toThrow(XmlSyntaxError);
  });
});
