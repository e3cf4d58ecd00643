import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PromptSpec } from '../config/schemas.js';
import type { Sample } from '../datasets/sample.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { PromptStrategyError } from './errors.js';
import { formatInstructions, renderAnswer, type AnswerLayout } from './formats.js';
import { readStrategyFile, type FewShotExample, type StrategyFile } from './strategy-file.js';
import { parseTemplate, renderTemplate, TEMPLATE_PLACEHOLDERS, type ParsedTemplate } from './template.js';

/** Builds the model input for each sample of a dataset. */
export interface PromptStrategy {
  /** The prompt option's name (results.json `runs[*].prompt`). */
  name: string;
  spec: PromptSpec;
  /** The strategy file it was loaded from. */
  file: string;
  /** The dataset formats the strategy file says it is written for; null: any dataset. */
  datasetFormats: readonly DatasetSpec['format'][] | null;
  /** The system role text, or null when the strategy has none. */
  systemPrompt(): string | null;
  /** The user prompt for one sample. */
  buildPrompt(sample: Sample): string;
  /** What the model reads: system prompt, a blank line, the prompt, then the answer cue when one is set. */
  fullInput(sample: Sample, answerCue: string | null): string;
  /** How answers are written (shape, format, plain labels); null when the strategy file defines no answer. */
  answerLayout: AnswerLayout | null;
  /** Text that ends generation in this output format (the strategy file's stop_strings). */
  stopStrings: readonly string[];
}

/**
 * The answer layout, or an error saying the strategy defines none (classification and the logit lens read answers).
 */
export function requireAnswerLayout(strategy: Pick<PromptStrategy, 'name' | 'answerLayout' | 'file'>, use: string): AnswerLayout {
  if (strategy.answerLayout !== null) return strategy.answerLayout;
  throw new PromptStrategyError(
    `prompt '${strategy.name}' defines no answer format (answer.fields and answer.plain), so ${use} cannot read its answers`,
    { file: strategy.file, field: 'answer' },
  );
}

/** A decision value as a plain answer writes it: the strategy's plain label for it, else the value itself. */
export function plainAnswerText(layout: AnswerLayout, value: string): string {
  return layout.plain.labels?.[value] ?? value;
}

type TemplateKind = keyof StrategyFile['templates'];
type RoleKind = 'system_role' | 'system_role_contrarian';

/** CoTLab's precedence: answer_first over contrarian over standard. */
export function templateKind(spec: PromptSpec): TemplateKind {
  if (spec.answer_first) return 'answer_first';
  if (spec.contrarian) return 'contrarian';
  return 'standard';
}

export function strategyFilePath(spec: PromptSpec, configDir: string): string {
  return join(configDir, 'prompt', 'strategies', `${spec.strategy}.yaml`);
}

const NOT_PROVIDED = 'Not provided';

/** The original case findings for {source_case}: metadata.ground_truth when the dataset has it. */
function sourceCase(sample: Sample): string {
  const groundTruth = sample.metadata['ground_truth'];
  if (typeof groundTruth === 'number') return String(groundTruth);
  return typeof groundTruth === 'string' && groundTruth.trim() !== '' ? groundTruth : NOT_PROVIDED;
}

/** The worked examples, each answer in the output format; followed by a blank line so the next section can follow. */
function renderExamples(data: StrategyFile, examples: FewShotExample[], layout: AnswerLayout | null): string {
  const { header, input_labels: labels, answer_label: answerLabel } = data.few_shot;
  const blocks = examples.map((example, index) => {
    const inputs = Object.entries(labels).map(([field, label]) => `${label}:\n${example.inputs[field] ?? ''}`);
    const answer = example.answer === null || layout === null ? [] : [`${answerLabel}:\n${renderAnswer(example.answer, layout)}`];
    const sections = [...inputs, ...answer];
    return `Example ${index + 1}:\n${sections.join('\n\n')}`;
  });
  return [header, ...blocks].filter((block) => block !== '').join('\n\n') + '\n\n';
}

/** Checks every template and system role, so a broken strategy file fails on load, not mid-run. */
function parseAll(data: StrategyFile, file: string) {
  const role = (field: RoleKind): string => renderTemplate(parseTemplate(data[field], { file, field }, []), {});
  // Without an answer section there are no format instructions to place.
  const placeholders = TEMPLATE_PLACEHOLDERS.filter((name) => data.answer !== undefined || name !== 'format_instructions');
  const template = (kind: TemplateKind): ParsedTemplate =>
    parseTemplate(data.templates[kind], { file, field: `templates.${kind}` }, placeholders);
  return {
    roles: { system_role: role('system_role'), system_role_contrarian: role('system_role_contrarian') },
    templates: { standard: template('standard'), answer_first: template('answer_first'), contrarian: template('contrarian') },
  };
}

/** Loads configs/prompt/strategies/<spec.strategy>.yaml and binds it to the prompt option's settings. */
export function loadPromptStrategy(spec: PromptSpec, configDir: string): PromptStrategy {
  const file = strategyFilePath(spec, configDir);
  if (!existsSync(file)) {
    const detail = `strategy file not found (prompt '${spec.name}' names strategy '${spec.strategy}')`;
    throw new PromptStrategyError(detail, { file });
  }
  const { data, examples } = readStrategyFile(file);
  const { templates, roles } = parseAll(data, file);
  const template = templates[templateKind(spec)];
  const role = (spec.contrarian ? roles.system_role_contrarian : roles.system_role).trim();
  const systemPrompt = role === '' ? null : role;
  const layout: AnswerLayout | null =
    data.answer === undefined
      ? null
      : { schema: data.answer.fields, format: spec.output_format, plain: data.answer.plain, answerFirst: spec.answer_first };
  const examplesBlock = spec.few_shot && examples.length > 0 ? renderExamples(data, examples, layout) : '';
  const instructions = layout === null || data.format_instructions === undefined ? '' : formatInstructions(data.format_instructions[spec.output_format], layout);

  const buildPrompt = (sample: Sample): string =>
    renderTemplate(template, {
      report: sample.text,
      question: sample.text,
      source_case: sourceCase(sample),
      examples: examplesBlock,
      format_instructions: instructions,
    });

  return {
    name: spec.name,
    spec,
    file,
    datasetFormats: data.dataset_formats ?? null,
    systemPrompt: () => systemPrompt,
    buildPrompt,
    fullInput: (sample, answerCue) => {
      const prompt = buildPrompt(sample);
      const input = systemPrompt === null ? prompt : `${systemPrompt}\n\n${prompt}`;
      return answerCue === null ? input : input + answerCue;
    },
    answerLayout: layout,
    stopStrings: data.stop_strings?.[spec.output_format] ?? [],
  };
}

/**
 * Says when a prompt is used on a dataset of a format it is not written for, e.g. "prompt 'histopathology' is written
 * for hare_tsv datasets, dataset 'radiology' is radiology"; null when they match or the prompt names no formats.
 * A warning, not an error: CoTLab's main.py runs such pairs and researchers compare them on purpose.
 */
export function datasetFormatWarning(
  prompt: Pick<PromptStrategy, 'name' | 'datasetFormats'>,
  dataset: Pick<DatasetSpec, 'name' | 'format'>,
): string | null {
  const formats = prompt.datasetFormats;
  if (formats === null || formats.includes(dataset.format)) return null;
  return `prompt '${prompt.name}' is written for ${formats.join(' or ')} datasets, dataset '${dataset.name}' is ${dataset.format}`;
}
