/**
 * The answers, their findings and the logit lens of stored experiments, in the UI's vocabulary: read from the
 * history (findings are never recomputed here), except the lens of a run that did not record one, which is computed
 * from its stored last-token vectors with the model's own final norm and LM head (no forward pass).
 */
import path from 'node:path';
import { isLogitLensConfig, type WorkbenchConfig } from '../config/schemas.js';
import { resolveVariants } from '../config/variants.js';
import { storedWorkbenchConfig } from '../experiments/report-from-store.js';
import { openLensHead } from '../model/lens-head.js';
import { inspectModelDir } from '../model/model-dir.js';
import { loadPromptTokenizer } from '../model/tokenizer.js';
import type { DeviceChoice } from '../model/session.js';
import { plainAnswerText, loadPromptStrategy, requireAnswerLayout } from '../prompts/strategy.js';
import type { AnswerFindings, AnswerSplitRecord, Estimate as StoredEstimate, VariantAnswerMetrics } from '../results/classification.js';
import type { LensFindings } from '../results/logit-lens.js';
import type { StoredAnswer } from '../store/answer-rows.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { AnswerFilter, AnswerFindingsView, AnswerPage, AnswerRow, Estimate, LogitLensView, RunRef, VariantMetrics } from '../contract/index.js';
import { EngineRequestError } from './engine-calls.js';
import { storedRunRef } from './layer-detail.js';
import { shownSeed } from './result-view.js';

function matches(answer: StoredAnswer, filter: AnswerFilter): boolean {
  if (filter === 'correct') return answer.correct === true;
  if (filter === 'incorrect') return answer.correct === false;
  if (filter === 'parse_failure') return answer.parseStatus !== 'parsed';
  return true;
}

/** One page of a run's answers, filtered by correctness or parse failure, with the counts of every filter. */
export function answerPage(store: HistoryReader, ref: RunRef, filter: AnswerFilter, offset: number, limit: number): AnswerPage {
  const { run } = storedRunRef(store, ref);
  const answers = store.getRunAnswers(run.id);
  const labels = new Map(store.getRunSamples(run.id).map((sample) => [sample.position, sample.label]));
  const selected = answers.filter((answer) => matches(answer, filter));
  const rows = selected.slice(offset, offset + limit).map(
    (answer): AnswerRow => ({
      runName: run.name,
      position: answer.position,
      datasetIndex: answer.datasetIndex,
      text: answer.text,
      prompt: answer.prompt,
      rawOutput: answer.rawOutput,
      generatedTokens: answer.generatedTokens,
      stopReason: answer.stopReason,
      parseStatus: answer.parseStatus,
      parseDetail: answer.parseDetail,
      parsedValue: answer.parsedValue,
      predicted: answer.predicted,
      gold: answer.gold,
      label: labels.get(answer.position) ?? null,
      correct: answer.correct,
    }),
  );
  return {
    rows,
    total: selected.length,
    counts: {
      all: answers.length,
      correct: answers.filter((answer) => matches(answer, 'correct')).length,
      incorrect: answers.filter((answer) => matches(answer, 'incorrect')).length,
      parseFailure: answers.filter((answer) => matches(answer, 'parse_failure')).length,
    },
  };
}

function estimate(value: StoredEstimate): Estimate {
  return { value: value.value, ci: value.ci };
}

function variantView(metrics: VariantAnswerMetrics): VariantMetrics {
  return {
    runName: metrics.run,
    samples: metrics.samples,
    scored: metrics.scored,
    correct: metrics.correct,
    accuracy: estimate(metrics.accuracy),
    balancedAccuracy: estimate(metrics.balanced_accuracy),
    macroF1: estimate(metrics.macro_f1),
    parseFailureRate: estimate(metrics.parse_failure_rate),
    parseFailures: Object.fromEntries(Object.entries(metrics.parse_failures).map(([status, count]) => [status, count ?? 0])),
    unscoredGold: metrics.unscored_gold,
    labels: metrics.labels,
    perClass: metrics.per_class.map((entry) => ({
      label: entry.label,
      support: entry.support,
      predicted: entry.predicted,
      precision: estimate(entry.precision),
      recall: estimate(entry.recall),
      f1: entry.f1,
    })),
    confusion: metrics.confusion,
  };
}

/** The stored findings of an experiment's answers (per-variant metrics, McNemar, correct/incorrect splits). */
export function answerFindingsView(store: HistoryReader, experimentRef: string): AnswerFindingsView {
  const id = store.resolveExperimentRef(experimentRef);
  const findings = store.getFindings(id, 'classification') as AnswerFindings | null;
  if (findings === null) {
    throw new EngineRequestError(`Experiment ${id} has no answer findings (it recorded no answers, or has not finished).`, 'not_found');
  }
  const splits = store.getFindings(id, 'answer_split') as AnswerSplitRecord[] | null;
  return {
    confidenceLevel: findings.confidence_level,
    bootstrapResamples: findings.bootstrap_resamples,
    seed: shownSeed(findings.seed),
    significanceLevel: findings.significance_level,
    variants: findings.variants.map(variantView),
    mcnemar: findings.mcnemar.map((test) => ({
      runA: test.run_a,
      runB: test.run_b,
      pairedSamples: test.paired_samples,
      bothCorrect: test.both_correct,
      onlyACorrect: test.only_a_correct,
      onlyBCorrect: test.only_b_correct,
      bothWrong: test.both_wrong,
      excluded: test.excluded,
      pValue: test.p_value,
      pValueHolm: test.p_value_holm,
      significant: test.significant,
      notTested: test.not_tested,
    })),
    splits:
      splits === null
        ? null
        : splits.map((split) => ({
            runName: split.run,
            correct: split.correct,
            incorrect: split.incorrect,
            unscored: split.unscored,
            notAnalysed: split.not_analysed,
            layers: split.layers.map((layer) => ({
              layer: layer.layer,
              cosine: layer.cosine,
              l2: layer.l2,
              cosineCi: layer.cosine_ci,
              l2Ci: layer.l2_ci,
              pValue: layer.p_value,
              pValueHolm: layer.p_value_holm,
            })),
          })),
  };
}

export interface LensViewContext {
  configDir: string;
  device: DeviceChoice;
  /** Tokens per layer when the lens is computed from stored vectors. */
  topK: number;
}

/**
 * One sample's logit lens: as a logit_lens experiment recorded it, or computed now from a run's stored last-token
 * residual vectors (resid_post, last_token pooling) with the model's final norm and LM head.
 */
export async function logitLensView(store: HistoryReader, ref: RunRef, position: number, context: LensViewContext): Promise<LogitLensView> {
  const { experiment, run } = storedRunRef(store, ref);
  const sample = store.getRunSamples(run.id).find((candidate) => candidate.position === position);
  if (sample === undefined) throw new EngineRequestError(`Run ${ref.runName} has no sample at position ${position}.`, 'not_found');
  const config = storedWorkbenchConfig(experiment);
  if (config === null || experiment.modelDir === null) {
    throw new EngineRequestError(`Experiment ${experiment.id} was not run by this workbench, so its model is unknown.`, 'bad_request');
  }
  const gold = goldOf(config, run.runIndex, sample.label, context.configDir);
  const recorded = store.getRunLens(run.id).filter((row) => row.position === position);
  if (isLogitLensConfig(config) && recorded.length > 0) {
    const modelDir = inspectModelDir(experiment.modelDir);
    const tokenizer = loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
    const text = (id: number): string => tokenizer.decode([id]);
    const findings = store.getFindings(experiment.id, 'logit_lens') as LensFindings | null;
    const summary = findings?.runs.find((entry) => entry.run === run.name)?.layers ?? null;
    const goldToken = recorded[0]?.goldToken ?? 0;
    return {
      ref,
      position,
      datasetIndex: sample.datasetIndex,
      source: 'recorded',
      goldToken: { tokenId: goldToken, token: text(goldToken) },
      goldText: gold,
      cells: recorded.map((row) => ({
        layer: row.layer,
        top: row.topTokenIds.map((id, rank) => ({ tokenId: id, token: text(id), prob: row.topProbs[rank] ?? 0 })),
        goldRank: row.goldRank,
        goldProb: row.goldProb,
      })),
      summary:
        summary === null
          ? null
          : summary.map((layer) => ({ layer: layer.layer, meanGoldProb: layer.mean_gold_prob, medianGoldRank: layer.median_gold_rank, goldTop1Rate: layer.gold_top1_rate })),
    };
  }
  if (experiment.hook !== 'resid_post' || experiment.pooling !== 'last_token') {
    throw new EngineRequestError(
      `The logit lens reads last-token residual vectors: run ${ref.runName} kept ${experiment.pooling ?? 'no'} pooling at ${experiment.hook ?? 'no'} capture point (it needs last_token at resid_post).`,
      'bad_request',
    );
  }
  const layers = run.layerIndices.filter((layer) => {
    try {
      store.getRunVectors(run.id, layer);
      return true;
    } catch {
      return false;
    }
  });
  if (layers.length === 0) throw new EngineRequestError(`Run ${ref.runName} kept no per-sample vectors, so there is nothing to read.`, 'bad_request');
  const rowOf = store.getRunSamples(run.id).findIndex((candidate) => candidate.position === position);
  const vectors = layers.map((layer) => store.getRunVectors(run.id, layer)[rowOf] as Float32Array);
  const head = await openLensHead({ modelDir: experiment.modelDir, device: context.device, topK: context.topK });
  try {
    const [goldToken] = head.tokenizer.encodeWithoutSpecialTokens(` ${gold}`);
    if (goldToken === undefined) throw new EngineRequestError(`The gold answer "${gold}" encodes to no token.`, 'bad_request');
    const [cells] = await head.lens([{ vectors, goldTokenId: goldToken }], layers);
    const text = (id: number): string => head.tokenizer.decode([id]);
    return {
      ref,
      position,
      datasetIndex: sample.datasetIndex,
      source: 'computed',
      goldToken: { tokenId: goldToken, token: text(goldToken) },
      goldText: gold,
      cells: (cells ?? []).map((cell) => ({
        layer: cell.layer,
        top: cell.topTokenIds.map((id, rank) => ({ tokenId: id, token: text(id), prob: cell.topProbs[rank] ?? 0 })),
        goldRank: cell.goldRank,
        goldProb: cell.goldProb,
      })),
      summary: null,
    };
  } finally {
    await head.dispose();
  }
}

/** The gold answer's text of a stored sample: its class through the dataset mapping, as the strategy writes it. */
function goldOf(config: WorkbenchConfig, runIndex: number, label: unknown, configDir: string): string {
  const variant = resolveVariants(config)[runIndex];
  if (variant === undefined) throw new EngineRequestError(`The stored configuration has no run ${runIndex}.`, 'bad_request');
  if (label === null || label === undefined) throw new EngineRequestError('The sample has no label, so it has no gold answer.', 'bad_request');
  const layout = requireAnswerLayout(loadPromptStrategy(variant.prompt, path.resolve(configDir)), 'the logit lens');
  const labelText = String(label);
  return plainAnswerText(layout, variant.dataset.gold_classes?.[labelText] ?? labelText);
}
