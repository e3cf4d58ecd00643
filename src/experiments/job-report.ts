/** A job's report input: what it measured plus everything that follows from its config. */
import { reproduceOverrides } from '../config/reproduce.js';
import type { ResolvedConfig, WorkbenchConfig } from '../config/schemas.js';
import { toYaml } from '../config/to-yaml.js';
import { resolveVariants } from '../config/variants.js';
import { HOOK_POINT_DESCRIPTIONS } from '../model/hook-points.js';
import type { ModelHost } from '../model/model-host.js';
import type { Annotations, ReportInput, RunStatus, VariantLine } from '../report/types.js';
import type { PairFindings } from '../results/findings.js';
import type { ActivationCompareOutcome } from './activation-compare.js';
import { isDemoModel, type JobContext, type PreparedJob } from './prepare-job.js';
import { runtimeRecordOf } from './runtime-record.js';
import { configRunSettings } from './config-run-settings.js';


export interface Timing {
  startTime: Date;
  endTime: Date;
  /** Whole job, model load included; defaults to endTime − startTime. */
  durationSeconds?: number;
  runDurationSeconds: number;
  status: RunStatus;
}

export function buildReportInput(
  job: PreparedJob,
  host: ModelHost,
  outcome: ActivationCompareOutcome,
  findings: PairFindings[],
  context: JobContext,
  timing: Timing,
): ReportInput {
  const { config } = job;
  return assembleReportInput(config, context, timing, {
    metrics: outcome.metrics,
    runs: outcome.runs,
    runTimestamps: outcome.runTimestamps,
    comparisons: outcome.comparisons,
    findings,
    probes: [],
    sampleLog: outcome.sampleLog,
    capture: {
      hook: config.experiment.hook,
      hook_names: host.hookNames,
      hook_description: HOOK_POINT_DESCRIPTIONS[config.experiment.hook],
      execution_provider: host.info.executionProvider,
      execution_provider_note: host.info.executionProviderNote,
      runtime: runtimeRecordOf(host.info),
      model_dir: host.info.dir,
      model_type: host.info.modelType,
      demo_model: isDemoModel(job.modelDir),
      max_input_tokens: config.experiment.max_input_tokens,
      truncated_samples: outcome.truncatedSamples,
      answer_cue: config.experiment.answer_cue,
    },
  });
}

/** The measured parts of a report, from a run just made or rebuilt from the history. */
export type ReportResults = Pick<
  ReportInput,
  'metrics' | 'runs' | 'runTimestamps' | 'comparisons' | 'findings' | 'probes' | 'sampleLog' | 'capture'
>;

/** A report's input: the measured parts plus everything that follows from the config. */
export function assembleReportInput(
  config: ResolvedConfig,
  context: Pick<JobContext, 'configDir' | 'appVersion'>,
  timing: Timing,
  results: ReportResults,
  annotations: Annotations | null = null,
): ReportInput {
  return {
    ...configReportParts(config, context),
    startTime: timing.startTime,
    endTime: timing.endTime,
    durationSeconds: timing.durationSeconds ?? (timing.endTime.getTime() - timing.startTime.getTime()) / 1000,
    runDurationSeconds: timing.runDurationSeconds,
    status: timing.status,
    ...results,
    runSettings: configRunSettings(config, results.runs),
    annotations,
  };
}

/** What every experiment's report takes from its config: names, variants, the reproduce command, the YAML. */
export type ConfigReportParts = Pick<
  ReportInput,
  'config' | 'experimentName' | 'modelName' | 'promptStrategyName' | 'reproduceCommand' | 'configYaml' | 'variants' | 'topPrompt' | 'topDatasetName' | 'appVersion'
>;

export function configReportParts(config: WorkbenchConfig, context: Pick<JobContext, 'configDir' | 'appVersion'>): ConfigReportParts {
  const variants: VariantLine[] =
    config.experiment.variants.length === 0
      ? []
      : resolveVariants(config).map((variant) => ({
          name: variant.name,
          dataset: variant.dataset.name,
          prompt: variant.prompt.name,
          num_samples: variant.num_samples,
          seed: variant.seed,
        }));
  return {
    config: config as unknown as Record<string, unknown>,
    experimentName: config.experiment.name,
    modelName: config.model.name,
    promptStrategyName: config.prompt.name,
    reproduceCommand: ['run', ...reproduceOverrides(config, context.configDir)],
    configYaml: toYaml(config),
    variants,
    topPrompt: {
      name: config.prompt.name,
      few_shot: config.prompt.few_shot,
      answer_first: config.prompt.answer_first,
      contrarian: config.prompt.contrarian,
      output_format: config.prompt.output_format,
    },
    topDatasetName: config.dataset.name,
    appVersion: context.appVersion,
  };
}
