/** Preparing a job: the plan (data loaded, samples chosen, model folder checked, layers chosen) before any compute. */
import path from 'node:path';
import type { AnyExperimentSpec, ResolvedConfig, WorkbenchConfig } from '../config/schemas.js';
import { labelDistribution } from '../datasets/load-dataset.js';
import { inspectModelDir, type ModelDirectory } from '../model/model-dir.js';
import { openModelHost, type ModelHost } from '../model/model-host.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../model/tokenizer.js';
import { defaultOutputDir } from '../report/output-dir.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { ExperimentError } from './errors.js';
import { sha256File } from './file-hash.js';
import { refuseTooLongInputs } from './input-check.js';
import { selectLayers } from './layer-selection.js';
import { planRuns, type PlannedRun } from './plan.js';

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
  /** `--force`: an outDir that already holds a report may be overwritten. */
  overwriteReport: boolean;
  appVersion: string;
  /** Progress lines for people (dataset summaries, execution provider). */
  log?: (line: string) => void;
}

/**
 * The plan half of a job: data loaded, samples chosen, model directory checked, layers chosen, every prompt
 * tokenized and measured against the model's context.
 */
export interface PreparedJob<C extends WorkbenchConfig = ResolvedConfig> {
  config: C;
  runs: PlannedRun[];
  modelDir: ModelDirectory;
  /** Layers captured (none for classification, which only generates). */
  layers: number[];
  tokenizer: PromptTokenizer;
}

/** A dry run only plans (the CLI prints the plan); running it is refused before anything is loaded. */
export function refuseDryRun(config: WorkbenchConfig): void {
  if (config.dry_run) {
    throw new ExperimentError('dry_run=true only plans the experiment (cotlab-wb run prints the plan); set dry_run=false to run it', 'dry_run');
  }
}

/** Everything a job needs before the model is loaded; a prompt the model cannot take is refused here. */
export async function prepareJob<C extends WorkbenchConfig>(config: C, context: JobContext): Promise<PreparedJob<C>> {
  const runs = await planRuns(config, { dataRoot: context.dataRoot, configDir: context.configDir });
  const modelDir = inspectModelDir(path.resolve(context.dataRoot, config.model.path));
  const experiment: AnyExperimentSpec = config.experiment;
  const layers = experiment.name === 'classification' ? [] : selectLayers(modelDir.config.numLayers, experiment.layers, experiment.layer_stride);
  const tokenizer = loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
  refuseTooLongInputs(runs, experiment, tokenizer, modelDir);
  return { config, runs, modelDir, layers, tokenizer };
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
    batchSize: config.backend.batch_size,
    // Answers are generated in the same session: the prefill that generates is the capture pass.
    generation: config.experiment.record_answers,
    tokenizer: job.tokenizer,
  });
}

export function defaultOutputDirFor(config: WorkbenchConfig, outputRoot: string, startTime: Date): string {
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

/** The generated demo model marks itself in config.json so reports can say its weights are random. */
export function isDemoModel(modelDir: ModelDirectory): boolean {
  const demo = modelDir.config.raw['cotlab_demo'];
  return typeof demo === 'object' && demo !== null && (demo as { random_weights?: unknown }).random_weights === true;
}

/** The log lines of a job's runs: what each one reads, and a warning when its prompt was written for other data. */
export function logRuns(runs: readonly PlannedRun[], log: (line: string) => void): void {
  for (const run of runs) {
    log(describeRun(run));
    if (run.datasetWarning !== null) log(`variant ${run.name}: ${run.datasetWarning}`);
  }
}

/** One line per run for the log: the dataset, its label distribution and how many samples were drawn. */
function describeRun(run: PlannedRun): string {
  const labels = labelDistribution(run.dataset.samples)
    .map(({ label, count }) => `${label}: ${count}`)
    .join(', ');
  return `${run.name}: dataset ${run.dataset.name} (${run.dataset.samples.length} samples; labels ${labels}), ${run.sampleIndices.length} sampled with seed ${run.seed}, prompt ${run.prompt.name}`;
}

export function logModel(host: ModelHost, config: ResolvedConfig, log: (line: string) => void): void {
  log(`model: ${config.model.name} (${host.info.modelType}, ${host.info.numLayers} layers, hidden ${host.info.hiddenSize}) on ${host.info.executionProvider.toUpperCase()}`);
  if (host.info.executionProviderNote) log(`execution provider: ${host.info.executionProviderNote}`);
  for (const notice of host.info.notices) log(`model: ${notice}`);
}

/** sha256 of each run's dataset file, hashing a file shared by several runs once. */
export async function datasetHashesOf(runs: readonly PlannedRun[]): Promise<string[]> {
  const byPath = new Map<string, Promise<string>>();
  return Promise.all(
    runs.map((run) => {
      let hash = byPath.get(run.dataset.path);
      if (hash === undefined) {
        hash = sha256File(run.dataset.path);
        byPath.set(run.dataset.path, hash);
      }
      return hash;
    }),
  );
}

/** A layer list in the vector policy must name captured layers, or nothing would be stored for it. */
export function checkedVectorPolicy(policy: VectorPolicy, capturedLayers: readonly number[]): VectorPolicy {
  if (typeof policy === 'string') return policy;
  const missing = policy.layers.filter((layer) => !capturedLayers.includes(layer));
  if (missing.length > 0) {
    throw new ExperimentError(
      `--store-vectors names layer ${missing.join(', ')}, which this experiment does not capture (captured: ${capturedLayers.join(', ')})`,
      'store-vectors',
    );
  }
  return policy;
}
