import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PromptSpec } from '../../src/config/schemas.js';
import { PromptStrategyError } from '../../src/prompts/errors.js';
import { loadPromptStrategy, plainAnswerText, requireAnswerLayout } from '../../src/prompts/strategy.js';

const configDir = fileURLToPath(new URL('../fixtures/prompts', import.meta.url));
const spec = (strategy: string): PromptSpec => ({ name: `${strategy}-prompt`, strategy, output_format: 'xml', few_shot: true, answer_first: false, contrarian: false });

describe('answer layouts of prompt strategies', () => {
  it('a strategy without an answer section builds prompts, and classification gets a clear error naming its file', () => {
    const strategy = loadPromptStrategy(spec('no-answer'), configDir);
    expect(strategy.answerLayout).toBeNull();
    expect(strategy.buildPrompt({ idx: 0, text: 'note', label: null, metadata: {} })).toBe('Examples:\n\nExample 1:\nText:\nr1\n\nTEXT: note');
    expect(() => requireAnswerLayout(strategy, 'classification')).toThrow(PromptStrategyError);
    expect(() => requireAnswerLayout(strategy, 'classification')).toThrow(
      /no-answer\.yaml: answer: prompt 'no-answer-prompt' defines no answer format \(answer\.fields and answer\.plain\), so classification cannot read its answers/,
    );
  });

  it('a strategy with an answer gives its layout, its stop strings for the output format and its plain labels', () => {
    const strategy = loadPromptStrategy(spec('tiny'), configDir);
    const layout = requireAnswerLayout(strategy, 'classification');
    expect(layout).toMatchObject({ format: 'xml', plain: { field: 'verdict' } });
    expect(plainAnswerText(layout, 'true')).toBe('YES');
    expect(plainAnswerText(layout, 'maybe')).toBe('maybe');
    expect(strategy.stopStrings).toEqual([]);
  });
});
