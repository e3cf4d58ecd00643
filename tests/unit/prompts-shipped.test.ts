import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeConfig } from '../../src/config/compose.js';
import { OUTPUT_FORMATS, type PromptSpec } from '../../src/config/schemas.js';
import type { Sample } from '../../src/datasets/sample.js';
import { planRuns } from '../../src/experiments/plan.js';
import { loadPromptStrategy } from '../../src/prompts/strategy.js';

/** The strategies shipped in configs/, rendered in every option combination. */
const configDir = fileURLToPath(new URL('../../configs', import.meta.url));

function exampleAnswers(strategy: string): unknown[] {
  const file = join(configDir, 'prompt', 'strategies', `${strategy}.yaml`);
  const data = parse(readFileSync(file, 'utf8')) as { few_shot: { examples: { answer: unknown }[] } };
  return data.few_shot.examples.map((example) => example.answer);
}

/** The rendered example answers: the text between each "Answer:" line and the next blank-line section. */
function renderedExampleAnswers(prompt: string): string[] {
  return [...prompt.matchAll(/\nAnswer:\n([\s\S]*?)\n\n(?=Example \d+:|ORIGINAL CASE FINDINGS:|Radiology report:)/g)].map((m) => m[1] ?? '');
}

const report = 'Findings: transverse fracture of the left femur through a lytic lesion.';
const histoSample: Sample = { idx: 0, text: report, label: 2, metadata: { ground_truth: 'Original: lytic lesion with fracture.', model_id: 0, row_id: 0 } };
const radioSample: Sample = { idx: 0, text: report, label: true, metadata: {} };

const combos: Pick<PromptSpec, 'few_shot' | 'answer_first' | 'contrarian'>[] = [
  { few_shot: true, answer_first: false, contrarian: false },
  { few_shot: false, answer_first: false, contrarian: false },
  { few_shot: true, answer_first: true, contrarian: false },
  { few_shot: true, answer_first: false, contrarian: true },
];

describe.each(['histopathology', 'radiology'])('shipped strategy %s', (strategyName) => {
  const sample = strategyName === 'histopathology' ? histoSample : radioSample;
  const spec = (options: Partial<PromptSpec>): PromptSpec => ({
    name: strategyName,
    strategy: strategyName,
    output_format: 'json',
    few_shot: true,
    answer_first: false,
    contrarian: false,
    ...options,
  });

  it.each(OUTPUT_FORMATS)('renders every option combination in %s with no placeholder left', (format) => {
    for (const combo of combos) {
      const strategy = loadPromptStrategy(spec({ ...combo, output_format: format }), configDir);
      const prompt = strategy.buildPrompt(sample);
      expect(prompt).not.toMatch(/\{(report|source_case|question|examples|format_instructions)\}/);
      expect(prompt).toContain(report);
      expect(prompt.includes('Example 1:')).toBe(combo.few_shot);
      const examples = renderedExampleAnswers(prompt);
      expect(examples).toHaveLength(combo.few_shot ? exampleAnswers(strategyName).length : 0);
      if (format === 'plain') expect(examples.every((answer) => /FINAL ANSWER: \S/.test(answer))).toBe(true);
      expect(strategy.systemPrompt()).toMatch(combo.contrarian ? /^You are a sceptical consultant/ : /^You are a consultant/);
    }
  });

  it('writes JSON and YAML example answers that parse back to the examples in the file', () => {
    const json = renderedExampleAnswers(loadPromptStrategy(spec({}), configDir).buildPrompt(sample));
    expect(json.map((answer) => JSON.parse(answer) as unknown)).toEqual(exampleAnswers(strategyName));
    const yaml = renderedExampleAnswers(loadPromptStrategy(spec({ output_format: 'yaml' }), configDir).buildPrompt(sample));
    expect(yaml.map((answer) => parse(answer) as unknown)).toEqual(exampleAnswers(strategyName));
  });

  it('ends with the format instructions for the chosen format', () => {
    const prompt = loadPromptStrategy(spec({ output_format: 'xml', few_shot: false }), configDir).buildPrompt(sample);
    const lines = prompt.split('\n');
    expect(lines.at(-1)).toBe('</answer>');
    expect(lines).toContain('Answer with one <answer> XML element in this shape and no other text:');
  });
});

describe('shipped histopathology strategy', () => {
  const spec = (options: Partial<PromptSpec>): PromptSpec => ({
    name: 'histopathology',
    strategy: 'histopathology',
    output_format: 'json',
    few_shot: false,
    answer_first: false,
    contrarian: false,
    ...options,
  });

  it('puts the original case findings before the generated report', () => {
    const prompt = loadPromptStrategy(spec({}), configDir).buildPrompt(histoSample);
    expect(prompt).toContain(`ORIGINAL CASE FINDINGS:\nOriginal: lytic lesion with fracture.\n\nGENERATED REPORT:\n${report}\n\n`);
    expect(prompt).toContain('Rating scale:');
    expect(prompt.endsWith('{\n  "quality_score": <0, 1 or 2>,\n  "reasoning": "<one or two sentences naming the findings that decided the score>"\n}')).toBe(true);
  });

  it('says "Not provided" when the case findings are missing', () => {
    const prompt = loadPromptStrategy(spec({}), configDir).buildPrompt({ ...histoSample, metadata: {} });
    expect(prompt).toContain('ORIGINAL CASE FINDINGS:\nNot provided\n');
  });

  it('uses distinct answer_first and contrarian wording', () => {
    expect(loadPromptStrategy(spec({ answer_first: true, contrarian: true }), configDir).buildPrompt(histoSample)).toContain('Give the rating first');
    expect(loadPromptStrategy(spec({ contrarian: true }), configDir).buildPrompt(histoSample)).toContain('Work through three checks');
  });
});

describe('shipped radiology strategy', () => {
  it('quotes the report and asks for the fracture fields', () => {
    const strategy = loadPromptStrategy(
      { name: 'radiology', strategy: 'radiology', output_format: 'json', few_shot: true, answer_first: false, contrarian: false },
      configDir,
    );
    const prompt = strategy.buildPrompt(radioSample);
    expect(prompt).toContain(`Radiology report:\n"""\n${report}\n"""\n\n`);
    expect(prompt).toContain('"pathological_fracture": <true only if that fracture is through bone weakened by disease>,');
    expect(strategy.fullInput(radioSample, null).startsWith('You are a consultant paediatric radiologist.')).toBe(true);
  });
});

describe('shipped dataset formats', () => {
  it('declares CoTLab\'s compatible datasets and warns per variant on a crossed pairing, without refusing it', async () => {
    const base = composeConfig({ configDir, overrides: [] });
    // The radiology data under the top-level (histopathology) prompt.
    const radiologyData = base.experiment.variants[1]?.dataset ?? null;
    const crossedVariant = { name: 'radiology_histo', dataset: radiologyData, prompt: 'base', num_samples: null, seed: null };
    const crossed = { ...base, experiment: { ...base.experiment, num_samples: 2, variants: [...base.experiment.variants, crossedVariant] } };
    const runs = await planRuns(crossed, { dataRoot: join(configDir, '..'), configDir });
    expect(runs.map((run) => [run.name, run.prompt.datasetFormats, run.datasetWarning])).toEqual([
      ['histopathology', ['hare_tsv'], null],
      ['radiology', ['radiology'], null],
      ['radiology_histo', ['hare_tsv'], "prompt 'histopathology' is written for hare_tsv datasets, dataset 'radiology' is radiology"],
    ]);
    expect(runs[2]?.sampleIndices).toHaveLength(2);
  });
});
