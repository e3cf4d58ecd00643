/**
 * The reports of classification and logit_lens experiments rebuilt from the history (exports of the CLI and the
 * app): answers, lens rows and findings are stored, so nothing is recomputed.
 */
import path from 'node:path';
import { isClassificationConfig, isLogitLensConfig } from '../config/schemas.js';
import { resolveVariants } from '../config/variants.js';
import { inspectModelDir } from '../model/model-dir.js';
import { loadPromptTokenizer } from '../model/tokenizer.js';
import { plainAnswerText, loadPromptStrategy, requireAnswerLayout } from '../prompts/strategy.js';
import type { AnswerReportInput, AnswerRunSummary, AnswerSampleEntry } from '../report/answer-report.js';
import type { LensReportInput, LensSampleEntry } from '../report/lens-report.js';
import type { AnswerFindings } from '../results/classification.js';
import type { LensFindings } from '../results/logit-lens.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail, RunRecord } from '../store/types.js';
import { HistoryExportError } from './history-errors.js';
import { configReportParts } from './job-report.js';
import { storedRuntimeRecord } from './runtime-record.js';
import { REPORT_STATUS, requireCompletedWorkbench } from './report-from-store.js';

function runSummaryOf(run: RunRecord, outputFormat: string): AnswerRunSummary {
  return {
    name: run.name,
    dataset: run.datasetName,
    prompt: run.promptName,
    output_format: outputFormat,
    num_samples: run.completedSamples,
    seed: run.seed ?? 0,
    system_prompt: run.systemPrompt,
    sample_indices: run.sampleIndices ?? [],
  };
}

function timing(experiment: ExperimentDetail) {
  const durationS = experiment.durationS ?? 0;
  return {
    startTime: new Date(experiment.startedAt),
    endTime: new Date(experiment.endedAt ?? experiment.lastActivityAt),
    durationSeconds: durationS,
    runDurationSeconds: durationS,
    status: REPORT_STATUS[experiment.status],
  };
}

export function storedAnswerReportInput(store: HistoryReader, experiment: ExperimentDetail, format: string, configDir: string): AnswerReportInput {
  const config = requireCompletedWorkbench(experiment, format);
  if (!isClassificationConfig(config)) throw new HistoryExportError(experiment.id, format, `it is a ${config.experiment.name} experiment, not classification`);
  const findings = store.getFindings(experiment.id, 'classification') as AnswerFindings | null;
  if (findings === null) throw new HistoryExportError(experiment.id, format, 'its findings were not stored');
  const variants = resolveVariants(config);
  const samples: AnswerSampleEntry[] = experiment.runs.flatMap((run) => {
    const labels = new Map(store.getRunSamples(run.id).map((sample) => [sample.position, sample.label]));
    return store.getRunAnswers(run.id).map((answer) => ({ ...answer, run: run.name, label: labels.get(answer.position) ?? null }));
  });
  const generation = config.experiment.generation;
  const runtime = storedRuntimeRecord(experiment.runtime);
  return {
    ...configReportParts(config, { configDir, appVersion: experiment.appVersion ?? 'unknown' }),
    ...timing(experiment),
    annotations: { notes: experiment.notes, tags: experiment.tags },
    runs: experiment.runs.map((run, index) => runSummaryOf(run, variants[index]?.prompt.output_format ?? config.prompt.output_format)),
    samples,
    findings,
    generation: {
      max_new_tokens: generation.max_new_tokens,
      do_sample: generation.do_sample,
      temperature: generation.temperature,
      top_p: generation.top_p,
      sampling_seed: generation.do_sample ? (generation.seed ?? config.experiment.seed) : null,
      stop_strings: Object.fromEntries(
        variants.map((variant) => [variant.name, generation.stop_strings ?? [...loadPromptStrategy(variant.prompt, configDir).stopStrings]]),
      ),
      max_input_tokens: config.experiment.max_input_tokens,
      answer_cue: config.experiment.answer_cue,
      execution_provider: experiment.executionProvider ?? 'unknown',
      execution_provider_note: experiment.executionProviderNote,
      kv_cache: true,
      model_type: 'unknown',
      model_dir: experiment.modelDir ?? '',
      demo_model: experiment.demoModel,
      runtime,
    },
  };
}

export function storedLensReportInput(store: HistoryReader, experiment: ExperimentDetail, format: string, configDir: string): LensReportInput {
  const config = requireCompletedWorkbench(experiment, format);
  if (!isLogitLensConfig(config)) throw new HistoryExportError(experiment.id, format, `it is a ${config.experiment.name} experiment, not logit_lens`);
  const findings = store.getFindings(experiment.id, 'logit_lens') as LensFindings | null;
  if (findings === null || experiment.modelDir === null) throw new HistoryExportError(experiment.id, format, 'its findings were not stored');
  const modelDir = inspectModelDir(experiment.modelDir);
  const tokenizer = loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
  const text = (id: number): string => tokenizer.decode([id]);
  const variants = resolveVariants(config);
  const samples: LensSampleEntry[] = experiment.runs.flatMap((run, index) => {
    const variant = variants[index];
    const layout = variant === undefined ? null : requireAnswerLayout(loadPromptStrategy(variant.prompt, path.resolve(configDir)), 'the logit lens');
    const rows = store.getRunLens(run.id);
    return store.getRunSamples(run.id).map((sample) => {
      const cells = rows.filter((row) => row.position === sample.position);
      const labelText = sample.label === null ? '' : String(sample.label);
      const goldClass = variant?.dataset.gold_classes?.[labelText] ?? labelText;
      const goldToken = cells[0]?.goldToken ?? 0;
      return {
        run: run.name,
        position: sample.position,
        datasetIndex: sample.datasetIndex,
        label: sample.label,
        goldText: layout === null ? goldClass : plainAnswerText(layout, goldClass),
        goldToken,
        goldTokenText: text(goldToken),
        layers: cells.map((cell) => ({
          layer: cell.layer,
          top: cell.topTokenIds.map((id, rank) => ({ token_id: id, token: text(id), prob: cell.topProbs[rank] ?? 0 })),
          gold_rank: cell.goldRank,
          gold_prob: cell.goldProb,
        })),
      };
    });
  });
  return {
    ...configReportParts(config, { configDir, appVersion: experiment.appVersion ?? 'unknown' }),
    ...timing(experiment),
    annotations: { notes: experiment.notes, tags: experiment.tags },
    runs: experiment.runs.map((run, index) => runSummaryOf(run, variants[index]?.prompt.output_format ?? config.prompt.output_format)),
    samples,
    findings,
    lens: {
      hook: 'resid_post',
      answer_cue: config.experiment.answer_cue,
      max_input_tokens: config.experiment.max_input_tokens,
      execution_provider: experiment.executionProvider ?? 'unknown',
      model_type: modelDir.config.modelType,
      model_dir: experiment.modelDir,
      demo_model: experiment.demoModel,
    },
  };
}
