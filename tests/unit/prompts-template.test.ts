import { describe, expect, it } from 'vitest';
import { PromptStrategyError } from '../../src/prompts/errors.js';
import { parseTemplate, renderTemplate, type TemplateValues } from '../../src/prompts/template.js';

const where = { file: 'strategies/x.yaml', field: 'templates.standard' };
const values: TemplateValues = {
  report: 'R {question} }',
  question: 'Q',
  source_case: 'S',
  examples: '',
  format_instructions: 'F',
};

describe('parseTemplate / renderTemplate', () => {
  it('fills placeholders once, leaving braces inside values alone', () => {
    expect(renderTemplate(parseTemplate('[{report}] [{question}] {source_case}{examples}{format_instructions}', where), values)).toBe(
      '[R {question} }] [Q] SF',
    );
  });

  it('reads {{ and }} as literal braces', () => {
    expect(renderTemplate(parseTemplate('{{"a": {question}}}', where), values)).toBe('{"a": Q}');
  });

  it('renders text without placeholders as is', () => {
    expect(renderTemplate(parseTemplate('plain text', where, []), {})).toBe('plain text');
    expect(renderTemplate(parseTemplate('', where), values)).toBe('');
  });

  it('rejects unknown placeholders, placeholders not allowed here, and lone braces', () => {
    expect(() => parseTemplate('{Report}', where)).toThrow(PromptStrategyError);
    expect(() => parseTemplate('{Report}', where)).toThrow('strategies/x.yaml: templates.standard: unknown placeholder {Report}; known placeholders:');
    expect(() => parseTemplate('{report}', where, ['question'])).toThrow('unknown placeholder {report}; known placeholders: {question}');
    expect(() => parseTemplate('a } b', where)).toThrow("unmatched '}'; write {{ or }} for a literal brace");
    expect(() => parseTemplate('{a{b}', where)).toThrow("unmatched '{'");
  });
});
