import type { Seed } from '../results/seed.js';
import type { Sample } from '../datasets/sample.js';
import type { AnalysisSettingsRecord } from '../results/analysis-settings.js';
import type { PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import type { HookPoint, Pooling } from '../results/capture-points.js';
import type { ClusterRecord } from '../results/cluster.js';
import type { VectorPolicy } from './vector-policy.js';

export type ExperimentStatus = 'running' | 'completed' | 'interrupted' | 'failed';
export type RunStatus = ExperimentStatus;
/** Where an experiment came from: run here, or imported from a CoTLab results.json (no vectors). */
export type ExperimentSource = 'workbench' | 'cotlab-import';

export interface NewExperiment {
  name: string;
  /** The resolved configuration, stored as JSON. */
  config: unknown;
  vectorPolicy: VectorPolicy;
  /** Defaults to now. */
  startedAt?: Date;
  modelName?: string | null;
  modelDir?: string | null;
  modelHash?: string | null;
  demoModel?: boolean;
  executionProvider?: string | null;
  executionProviderNote?: string | null;
  hook?: HookPoint | null;
  pooling?: Pooling | null;
  appVersion?: string | null;
  outputDir?: string | null;
  /** How the model ran (export style, dtype, quantization, batch size, threads), stored as JSON. */
  runtime?: unknown;
  /** A shard of a cluster plan, or an experiment merged from shards; absent for a run in one process. */
  cluster?: ClusterRecord | null;
}

export interface NewRun {
  name: string;
  datasetName: string;
  datasetPath?: string | null;
  datasetHash?: string | null;
  promptName: string;
  promptOptions?: unknown;
  systemPrompt?: string | null;
  /** Any integer: a BigInt beyond the JS safe integers is stored exactly (runs.seed_text). */
  seed: Seed | null;
  numSamplesPlanned: number;
  /** Dataset indices in processing order, when known up front. */
  sampleIndices?: number[] | null;
  /** Captured layers; every vector list of this run follows this order. */
  layerIndices: number[];
}

/** A processed sample to store: what is read back as StoredSample, plus its vectors. */
export interface SampleToRecord extends StoredSample {
  /** One pooled vector per layer, in the run's layer order. */
  vectors: Float32Array[];
}

export interface RunCompletion {
  /** Mean vector per layer, in the run's layer order. */
  layerMeans: Float32Array[];
  /** L2 norm of each mean, same order. */
  norms: number[];
}

export interface ExperimentFinish {
  status: Exclude<ExperimentStatus, 'running'>;
  endedAt: Date;
  durationS: number;
  outputDir?: string | null;
  error?: string | null;
}

/** One layer of a compared pair: CoTLab's cosine and L2 of the means, and the analytics columns when computed. */
export interface LayerComparisonInput {
  layer: number;
  cosine: number;
  l2: number;
  centredCosine?: number | null;
  relativeL2?: number | null;
  cosineCiLow?: number | null;
  cosineCiHigh?: number | null;
  l2CiLow?: number | null;
  l2CiHigh?: number | null;
  pValue?: number | null;
  nPermutations?: number | null;
  cka?: number | null;
  /** L2 that sampling noise alone would give, and L2 with that bias removed (schema 4; null before). */
  l2NoiseFloor?: number | null;
  l2Debiased?: number | null;
  /** Cohen's d of held-out samples along the diff-in-means direction (schema 4; null before). */
  cohensDHeldOut?: number | null;
}

/** A compared pair of runs as the experiment stores it: per-layer rows, findings and how they were analysed. */
export interface PairInput {
  runAId: number;
  runBId: number;
  layers: readonly LayerComparisonInput[];
  /** Computed once by the experiment; the stored Holm-adjusted p-values are read from it. */
  findings: PairFindings;
  /** How the analytics were computed; null when the pair has none (e.g. imported from CoTLab). */
  analysis: AnalysisSettingsRecord | null;
}

export interface ComparisonRecord extends Required<LayerComparisonInput> {
  runAId: number;
  runBId: number;
  runAName: string;
  runBName: string;
  pValueHolm: number | null;
}

/** A stored pair's findings and analysis settings. */
export interface PairRecord {
  runAId: number;
  runBId: number;
  runAName: string;
  runBName: string;
  findings: PairFindings;
  analysis: AnalysisSettingsRecord | null;
}

export interface ExperimentRecord {
  id: number;
  uid: string;
  name: string;
  status: ExperimentStatus;
  source: ExperimentSource;
  sourcePath: string | null;
  config: unknown;
  vectorPolicy: VectorPolicy;
  startedAt: string;
  endedAt: string | null;
  durationS: number | null;
  /** Time of the last stored sample or run change (how far an interrupted experiment got). */
  lastActivityAt: string;
  modelName: string | null;
  modelDir: string | null;
  modelHash: string | null;
  demoModel: boolean;
  executionProvider: string | null;
  executionProviderNote: string | null;
  hook: HookPoint | null;
  pooling: Pooling | null;
  appVersion: string | null;
  outputDir: string | null;
  /** Why it failed or was interrupted; for a completed experiment, why its report folder could not be written. */
  error: string | null;
  writerPid: number | null;
  writerHost: string | null;
  /** As given to createExperiment; null when not recorded (imports, histories from before it was kept). */
  runtime: unknown;
  /** A shard of a cluster plan, or an experiment merged from shards; null for a run in one process. */
  cluster: ClusterRecord | null;
  /** The researcher's notes ('' when none) and tags (sorted), editable at any time. */
  notes: string;
  tags: string[];
}

/** A change to an experiment's notes and tags; what is left out stays as it is. */
export interface AnnotationChange {
  notes?: string;
  addTags?: readonly string[];
  removeTags?: readonly string[];
}

export interface Annotations {
  notes: string;
  tags: string[];
}

export interface RunRecord {
  id: number;
  experimentId: number;
  runIndex: number;
  name: string;
  datasetName: string;
  datasetPath: string | null;
  datasetHash: string | null;
  promptName: string;
  promptOptions: unknown;
  systemPrompt: string | null;
  seed: Seed | null;
  numSamplesPlanned: number;
  sampleIndices: number[] | null;
  layerIndices: number[];
  status: RunStatus;
  completedSamples: number;
}

export interface ExperimentDetail extends ExperimentRecord {
  runs: RunRecord[];
}

export interface StoredSample {
  /** Order of the sample within its run, from 0. */
  position: number;
  datasetIndex: number;
  label: Sample['label'];
  tokenCount: number;
  truncated: boolean;
  promptHash: string | null;
}

export interface LayerMeanRecord {
  layer: number;
  /** Null for imported CoTLab runs, which carry norms only. */
  mean: Float32Array | null;
  norm: number;
  count: number;
}

export interface ListExperimentsQuery {
  limit: number;
  offset?: number;
  /**
   * Case-insensitive text found in the name, uid, model, capture point, pooling, notes, a tag, or a run's name,
   * dataset name or file, prompt or prompt options (e.g. an output format).
   */
  search?: string | null;
  status?: ExperimentStatus | null;
}

/** One line of the history list: the experiment's own columns plus what its runs add up to. */
export interface ExperimentListItem
  extends Pick<
    ExperimentRecord,
    | 'id'
    | 'uid'
    | 'name'
    | 'status'
    | 'source'
    | 'startedAt'
    | 'modelName'
    | 'demoModel'
    | 'pooling'
    | 'durationS'
    | 'error'
    | 'notes'
    | 'tags'
  > {
  /** Run names in run order. */
  variants: string[];
  /** Samples stored over all runs. */
  totalSamples: number;
}

export interface ExperimentPage {
  /** How many experiments match the query, over all pages. */
  total: number;
  items: ExperimentListItem[];
}

/** The outcome of importing a CoTLab results.json: its experiment, and whether this import created it. */
export interface CotlabImport {
  experimentId: number;
  created: boolean;
}

/** A probe stored with an experiment (`cotlab-wb probe`). */
export interface StoredProbe {
  id: number;
  runId: number;
  runName: string;
  labelField: string | null;
  createdAt: string;
  record: ProbeRecord;
}
