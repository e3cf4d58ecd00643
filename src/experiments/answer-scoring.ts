/**
 * Scoring one generated answer: read the decision in the strategy's output format (in the answer cue followed by
 * the generated text, so a cue that opens the answer, e.g. `{"pathological_fracture":`, is read with it), map it and the sample's gold
 * label to classes through the dataset's label mapping (gold_classes / answer_classes), and compare. A value that
 * maps to none of the dataset's classes is a parse failure of its own (unknown_label), never counted right or wrong.
 */
import type { GenerationSpec } from '../config/schemas.js';
import type { Sample } from '../datasets/sample.js';
import type { DatasetSpec } from '../datasets/spec.js';
import type { GenerateOptions, GenerationResult } from '../model/model-host.js';
import { parseAnswer } from '../prompts/answer-parsing.js';
import type { AnswerLayout } from '../prompts/formats.js';
import { requireAnswerLayout } from '../prompts/strategy.js';
import type { SampleAnswer } from '../results/answers.js';
import { sortClasses } from '../analytics/answer-findings.js';
import type { PlannedRun } from './plan.js';

export interface AnswerScorer {
  layout: AnswerLayout;
  /** Every class the dataset's gold labels map to, in report order. */
  classes: string[];
  /** The class of a gold label; null when the sample has no label. */
  goldClass(label: Sample['label']): string | null;
  score(sample: Sample, generated: Pick<GenerationResult, 'text' | 'tokenIds' | 'stopReason'>): SampleAnswer;
}

function mapped(value: string, map: Record<string, string> | null): string {
  return map?.[value] ?? value;
}

/** The scorer of a run; throws (naming the strategy file) when its prompt strategy defines no answer format. */
export function answerScorer(run: PlannedRun, use: string, answerCue: string | null): AnswerScorer {
  const layout = requireAnswerLayout(run.prompt, use);
  const spec: DatasetSpec = run.datasetSpec;
  const goldClass = (label: Sample['label']): string | null => (label === null ? null : mapped(String(label), spec.gold_classes));
  const classes = sortClasses(run.dataset.samples.flatMap((sample) => goldClass(sample.label) ?? []));
  const known = new Set(classes);
  return {
    layout,
    classes,
    goldClass,
    score(sample, generated) {
      const parsed = parseAnswer(`${answerCue ?? ''}${generated.text}`, layout);
      const gold = goldClass(sample.label);
      const base = {
        rawOutput: generated.text,
        generatedTokens: generated.tokenIds.length,
        stopReason: generated.stopReason,
        parsedValue: parsed.value,
        gold,
      };
      if (parsed.status !== 'parsed' || parsed.value === null) {
        return { ...base, parseStatus: parsed.status, parseDetail: parsed.detail, predicted: null, correct: null };
      }
      const predicted = mapped(String(parsed.value), spec.answer_classes);
      if (!known.has(predicted)) {
        const detail = `the answer ${JSON.stringify(parsed.value)} maps to class "${predicted}", which is none of the dataset's classes (${classes.join(', ')})`;
        return { ...base, parseStatus: 'unknown_label', parseDetail: detail, predicted: null, correct: null };
      }
      return { ...base, parseStatus: 'parsed', parseDetail: parsed.detail, predicted, correct: gold === null ? null : predicted === gold };
    },
  };
}

/** The model host's generation options from the experiment's generation settings and the run's stop strings. */
export function generateOptions(generation: GenerationSpec, maxInputTokens: number | null, strategyStops: readonly string[]): GenerateOptions {
  return {
    maxInputTokens,
    maxNewTokens: generation.max_new_tokens,
    sampling: generation.do_sample ? { temperature: generation.temperature, topP: generation.top_p } : null,
    stopStrings: generation.stop_strings ?? strategyStops,
  };
}
