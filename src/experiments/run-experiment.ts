/** Any experiment, by its config's experiment name: started, or resumed from the history. */
import { isActivationCompareConfig, isClassificationConfig, isLogitLensConfig, type WorkbenchConfig } from '../config/schemas.js';
import type { AnswerFindings } from '../results/classification.js';
import type { HistoryStore } from '../store/history-store.js';
import { resumeClassificationJob, runClassificationJob } from './classification.js';
import { ResumeError } from './history-errors.js';
import { resumeLogitLensJob, runLogitLensJob, type LensJobResult } from './logit-lens.js';
import type { JobContext } from './prepare-job.js';
import { checkResumable, resumeJob } from './resume.js';
import { runJob, type JobHistory, type JobHooks, type JobResult } from './run-job.js';

/** What any finished experiment hands back to the CLI and the UI. */
export interface ExperimentRun {
  outputDir: string;
  experimentId: number | null;
  /** A few lines for people: the comparisons, accuracies or lens summaries. */
  summary: string[];
}

export async function runExperiment(config: WorkbenchConfig, context: JobContext, hooks: JobHooks, history: JobHistory): Promise<ExperimentRun> {
  if (isActivationCompareConfig(config)) return activationRun(await runJob(config, context, hooks, history));
  if (isClassificationConfig(config)) {
    const result = await runClassificationJob(config, context, hooks, history.store);
    return { outputDir: result.outputDir, experimentId: result.experimentId, summary: answerSummary(result.findings) };
  }
  if (isLogitLensConfig(config)) return lensRun(await runLogitLensJob(config, context, hooks, history));
  throw new Error('unknown experiment');
}

/** Continues an interrupted experiment of any kind from its next sample. */
export async function resumeExperiment(store: HistoryStore, experimentId: number, context: JobContext, hooks: JobHooks): Promise<ExperimentRun> {
  const experiment = store.getExperiment(experimentId);
  const config = checkResumable(experiment);
  if (isActivationCompareConfig(config)) return activationRun(await resumeJob(store, experimentId, context, hooks));
  if (isClassificationConfig(config)) {
    const result = await resumeClassificationJob(store, experiment, config, context, hooks);
    return { outputDir: result.outputDir, experimentId: result.experimentId, summary: answerSummary(result.findings) };
  }
  if (isLogitLensConfig(config)) return lensRun(await resumeLogitLensJob(store, experiment, config, context, hooks));
  throw new ResumeError(experimentId, 'its experiment kind is unknown to this version');
}

function activationRun(result: JobResult): ExperimentRun {
  const lines = result.report.comparisons.map(
    (comparison) => `${comparison.run_a} vs ${comparison.run_b}: mean cosine ${comparison.mean_cosine_similarity.toFixed(4)}, mean L2 ${comparison.mean_l2_distance.toFixed(4)}`,
  );
  if (result.answerFindings) lines.push(...answerSummary(result.answerFindings));
  return { outputDir: result.outputDir, experimentId: result.experimentId, summary: lines };
}

function lensRun(result: LensJobResult): ExperimentRun {
  return { outputDir: result.outputDir, experimentId: result.experimentId, summary: result.summary };
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** One line per variant (accuracy with its interval, parse failures) and per McNemar test. */
export function answerSummary(findings: AnswerFindings): string[] {
  const variants = findings.variants.map((m) => {
    const ci = m.accuracy.ci === null ? '' : ` [${percent(m.accuracy.ci.low)}, ${percent(m.accuracy.ci.high)}]`;
    const failed = m.samples - m.scored - m.unscored_gold;
    return `${m.run}: accuracy ${percent(m.accuracy.value)}${ci} over ${m.scored} scored of ${m.samples} samples, ${failed} answers unreadable`;
  });
  const tests = findings.mcnemar.map((test) =>
    test.not_tested !== null
      ? `${test.run_a} vs ${test.run_b}: not tested (${test.not_tested})`
      : `${test.run_a} vs ${test.run_b}: McNemar exact p = ${test.p_value.toPrecision(3)} (Holm ${test.p_value_holm.toPrecision(3)})`,
  );
  return [...variants, ...tests];
}
