import path from 'node:path';
import { reproduceOverrides } from '../config/reproduce.js';
import type { ResolvedConfig } from '../config/schemas.js';
import { toYaml } from '../config/to-yaml.js';
import { resolveVariants } from '../config/variants.js';
import { labelDistribution } from '../datasets/load-dataset.js';
import { inspectModelDir, type ModelDirectory } from '../model/model-dir.js';
import { openModelHost, type ModelHost } from '../model/model-host.js';
import type { HookPoint } from '../model/types.js';
import { defaultOutputDir } from '../report/output-dir.js';
import type { ReportInput, RunStatus, VariantLine } from '../report/types.js';
import { writeReportFiles, type ReportPaths } from '../report/write-report.js';
import { executeActivationCompare, type ActivationCompareOutcome, type ExecuteHooks } from './activation-compare.js';
import { selectLayers } from './layer-selection.js';
import { planRuns, type PlannedRun } from './plan.js';
import type { CaptureRecord } from './types.js';

export interface JobContext {
  /** configs/ directory (group options, prompt strategies); reproduce commands are computed against it. */
  configDir: string;
  /** Relative dataset and model paths in the config resolve against this directory. */
  dataRoot: string;
  /** Where edited capture graphs are cached. */
  cacheDir: string;
  /** Root under which the default outputs/YYYY-MM-DD/... folder is created. */
  outputRoot: string;
  /** Explicit output folder (`--out`); null: CoTLab's naming under outputRoot. */
  outDir: string | null;
  appVersion: string;
  /** Progress lines for people (dataset summaries, execution provider). */
  log?: (line: string) => void;
}

export interface JobResult {
  outputDir: string;
  paths: ReportPaths;
  report: ReportInput;
  outcome: ActivationCompareOutcome;
}

const HOOK_DESCRIPTIONS: Record<HookPoint, string> = {
  resid_post:
    'the residual stream after each decoder layer (the output of the layer’s last residual Add; Hugging Face hidden_states[i+1])',
  cotlab:
    'CoTLab’s capture point: the output of post_feedforward_layernorm (Gemma) or post_attention_layernorm (Llama/Mistral/Qwen/OLMo), which CoTLab calls the residual stream but is a normalised branch, not the stream itself',
};

/** The plan half of a job: data loaded, samples chosen, model directory checked, layers chosen. */
export interface PreparedJob {
  config: ResolvedConfig;
  runs: PlannedRun[];
  modelDir: ModelDirectory;
  layers: number[];
}

export function prepareJob(config: ResolvedConfig, context: JobContext): PreparedJob {
  const runs = planRuns(config, { dataRoot: context.dataRoot, configDir: context.configDir });
  const modelDir = inspectModelDir(path.resolve(context.dataRoot, config.model.path));
  const layers = selectLayers(modelDir.config.numLayers, config.experiment.layers, config.experiment.layer_stride);
  return { config, runs, modelDir, layers };
}

export async function openJobModel(job: PreparedJob, cacheDir: string): Promise<ModelHost> {
  const { config } = job;
  return openModelHost({
    modelDir: job.modelDir.dir,
    hook: config.experiment.hook,
    layers: job.layers,
    pooling: config.experiment.pooling,
    device: config.backend.device,
    deviceId: config.backend.device_id,
    intraOpThreads: config.backend.intra_op_threads,
    interOpThreads: config.backend.inter_op_threads,
    cacheDir,
    hookMap: config.model.hook_map,
  });
}

/** Runs one activation_compare job end to end and writes its report folder. */
export async function runJob(config: ResolvedConfig, context: JobContext, hooks: ExecuteHooks = {}): Promise<JobResult> {
  const startTime = new Date();
  const log = context.log ?? (() => undefined);
  const job = prepareJob(config, context);
  for (const run of job.runs) log(describeRun(run));
  const host = await openJobModel(job, context.cacheDir);
  try {
    log(`model: ${config.model.name} (${host.info.modelType}, ${host.info.numLayers} layers, hidden ${host.info.hiddenSize}) on ${host.info.executionProvider.toUpperCase()}`);
    if (host.info.executionProviderNote) log(`execution provider: ${host.info.executionProviderNote}`);
    const runStart = performance.now();
    const outcome = await executeActivationCompare(host, job.runs, config.experiment, hooks);
    const runDurationSeconds = (performance.now() - runStart) / 1000;
    const report = buildReportInput(job, host, outcome, context, {
      startTime,
      endTime: new Date(),
      runDurationSeconds,
      status: 'Completed',
    });
    const outputDir = context.outDir ?? defaultOutputDirFor(config, context.outputRoot, startTime);
    const paths = await writeReportFiles(outputDir, report);
    return { outputDir, paths, report, outcome };
  } finally {
    await host.dispose();
  }
}

export function defaultOutputDirFor(config: ResolvedConfig, outputRoot: string, startTime: Date): string {
  return defaultOutputDir(
    outputRoot,
    startTime,
    config.experiment.name,
    config.model.safe_name,
    config.experiment.variants.map((variant) => variant.name),
    config.prompt.output_format,
    { promptName: config.prompt.name, datasetName: config.dataset.name },
  );
}

interface Timing {
  startTime: Date;
  endTime: Date;
  runDurationSeconds: number;
  status: RunStatus;
}

export function buildReportInput(
  job: PreparedJob,
  host: ModelHost,
  outcome: ActivationCompareOutcome,
  context: JobContext,
  timing: Timing,
): ReportInput {
  const { config } = job;
  const capture: CaptureRecord = {
    hook: config.experiment.hook,
    hook_names: host.hookNames,
    hook_description: HOOK_DESCRIPTIONS[config.experiment.hook],
    execution_provider: host.info.executionProvider,
    execution_provider_note: host.info.executionProviderNote,
    model_dir: host.info.dir,
    model_type: host.info.modelType,
    demo_model: isDemoModel(job.modelDir),
    max_input_tokens: config.experiment.max_input_tokens,
    truncated_samples: outcome.truncatedSamples,
    answer_cue: config.experiment.answer_cue,
  };
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
    startTime: timing.startTime,
    endTime: timing.endTime,
    durationSeconds: (timing.endTime.getTime() - timing.startTime.getTime()) / 1000,
    runDurationSeconds: timing.runDurationSeconds,
    status: timing.status,
    metrics: outcome.metrics,
    runs: outcome.runs,
    runTimestamps: outcome.runTimestamps,
    comparisons: outcome.comparisons,
    sampleLog: outcome.sampleLog,
    capture,
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

/** The generated demo model marks itself in config.json so reports can say its weights are random. */
function isDemoModel(modelDir: ModelDirectory): boolean {
  const demo = modelDir.config.raw['cotlab_demo'];
  return typeof demo === 'object' && demo !== null && (demo as { random_weights?: unknown }).random_weights === true;
}

/** One line per run for the log: the dataset, its label distribution and how many samples were drawn. */
export function describeRun(run: PlannedRun): string {
  const labels = labelDistribution(run.dataset.samples)
    .map(({ label, count }) => `${label}: ${count}`)
    .join(', ');
  return `${run.name}: dataset ${run.dataset.name} (${run.dataset.samples.length} samples; labels ${labels}), ${run.sampleIndices.length} sampled with seed ${run.seed}, prompt ${run.prompt.name}`;
}
