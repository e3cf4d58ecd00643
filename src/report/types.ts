import type { AnswerFindings, AnswerSplitRecord } from '../results/classification.js';
import type { PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import type { NamedRunSettings } from '../results/run-settings.js';
import type { Seed } from '../results/seed.js';
import type { ActivationCompareMetrics, CaptureRecord, Comparison, RunSummary } from '../results/types.js';

export type RunStatus = 'Running' | 'Completed' | 'Interrupted' | 'Failed';

/** One processed sample, logged when `log_samples` is true (CoTLab's per-sample record). */
export interface SampleLogEntry {
  /** Name of the run the sample belongs to. */
  run: string;
  /** The prompt without the system prompt. */
  prompt: string;
  system_prompt: string | null;
  /** Dataset index of the sample. */
  idx: number;
  /** When the sample was processed. */
  timestamp: Date;
}

/** One line of EXPERIMENT.md's Variants list, with resolved names and values. */
export interface VariantLine {
  name: string;
  dataset: string;
  prompt: string;
  /** null: the whole dataset. */
  num_samples: number | null;
  seed: Seed;
}

/** The top-level prompt options shown in EXPERIMENT.md's Configuration section. */
export interface TopPromptSummary {
  name: string;
  few_shot: boolean;
  answer_first: boolean;
  contrarian: boolean;
  output_format: string;
}

/** Everything the report writers need about one finished (or running, or stopped) job. */
export interface ReportInput {
  /** The resolved configuration, JSON-able; written to config.json and results.json metadata.config. */
  config: Record<string, unknown>;
  experimentName: string;
  /** Model name as results.json `model` (CoTLab: the Hugging Face id). */
  modelName: string;
  /** Top-level prompt strategy name (results.json `prompt_strategy`). */
  promptStrategyName: string;
  startTime: Date;
  endTime: Date;
  /** Whole job, model load included (results.json `duration_seconds`). */
  durationSeconds: number;
  /** Experiment only (EXPERIMENT.md Duration). */
  runDurationSeconds: number;
  status: RunStatus;
  metrics: ActivationCompareMetrics;
  runs: RunSummary[];
  /** When each run's summary was logged, one per run (results.json samples[*].timestamp). */
  runTimestamps: Date[];
  comparisons: Comparison[];
  /** The findings of each compared pair, in comparison order (computed once by the experiment). */
  findings: PairFindings[];
  /** Linear probes made of the runs' stored vectors (`cotlab-wb probe`), newest per run and label; none for a new run. */
  probes: ProbeRecord[];
  /** Per-sample records when log_samples is true, else null. */
  sampleLog: SampleLogEntry[] | null;
  capture: CaptureRecord;
  /** Arguments after `cotlab-wb`, e.g. ['run', 'experiment=activation_compare', 'experiment.seed=123']. */
  reproduceCommand: string[];
  /** The configuration as YAML, shown in EXPERIMENT.md. */
  configYaml: string;
  /** The experiment's variants as configured (empty when the config lists none). */
  variants: VariantLine[];
  topPrompt: TopPromptSummary;
  topDatasetName: string;
  appVersion: string;
  /** With experiment.record_answers: the answers' findings (results.json `answers`). */
  answers?: AnswerRecord;
  /** Each run's settings, in run order: what tells the runs apart is computed from them. */
  runSettings: NamedRunSettings[];
  /** The researcher's notes and tags (a report rebuilt from the history); null for a job just run. */
  annotations: Annotations | null;
}

/** Recorded answers of an activation_compare run: their classification findings and each run split by correctness. */
export interface AnswerRecord {
  classification: AnswerFindings;
  split_by_correctness: AnswerSplitRecord[];
}

/** The researcher's notes and tags on an experiment. */
export interface Annotations {
  notes: string;
  tags: string[];
}
