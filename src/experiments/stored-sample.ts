import { resolveVariants } from '../config/variants.js';
import type { Sample } from '../datasets/sample.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { loadPromptStrategy } from '../prompts/strategy.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { StoredRunRef } from './compare-stored-runs.js';
import { sha256File } from './file-hash.js';
import { StoredSampleError } from './history-errors.js';
import { storedWorkbenchConfig } from './report-from-store.js';

/** One sample of a stored run, as the dataset file holds it now, and the text the model was fed. */
export interface StoredSampleText {
  datasetIndex: number;
  /** As the history recorded it. */
  label: Sample['label'];
  text: string;
  fedText: string;
  /** Set when the dataset file is not what the run read (its sha256 changed). */
  warning: string | null;
}

/** Where a dataset's samples are read from: its file and size, and samples by position (e.g. parsed in a thread). */
export interface DatasetSamples {
  summary(spec: DatasetSpec): Promise<{ path: string; total: number }>;
  rows(spec: DatasetSpec, offset: number, limit: number): Promise<Sample[]>;
}

/**
 * The sample at `position` of a stored run, read back from the run's dataset file (the history keeps vectors and
 * labels, not texts) and rebuilt into the text the model was fed with the run's prompt.
 */
export async function storedSampleText(
  store: HistoryReader,
  ref: StoredRunRef,
  position: number,
  configDir: string,
  datasets: DatasetSamples,
): Promise<StoredSampleText> {
  const { experiment, run } = ref;
  const what = `sample ${position} of run ${ref.label}`;
  const stored = store.getRunSamples(run.id)[position];
  if (stored === undefined) throw new StoredSampleError(what, `the run stored ${run.completedSamples} samples`);
  const config = storedWorkbenchConfig(experiment);
  const variant = config === null ? undefined : resolveVariants(config)[run.runIndex];
  if (config === null || variant === undefined) {
    throw new StoredSampleError(what, 'its configuration is not one this version reads (e.g. an imported CoTLab run)');
  }
  const dataset = await datasets.summary(variant.dataset);
  const [sample] = stored.datasetIndex < dataset.total ? await datasets.rows(variant.dataset, stored.datasetIndex, 1) : [];
  if (sample === undefined) {
    throw new StoredSampleError(what, `${dataset.path} now has ${dataset.total} samples, not sample ${stored.datasetIndex}`);
  }
  const hash = await sha256File(dataset.path).catch(() => null);
  const changed = run.datasetHash !== null && hash !== run.datasetHash;
  return {
    datasetIndex: stored.datasetIndex,
    label: stored.label,
    text: sample.text,
    fedText: loadPromptStrategy(variant.prompt, configDir).fullInput(sample, config.experiment.answer_cue),
    warning: changed ? `${dataset.path} has changed since the run, so this text may not be what the model read.` : null,
  };
}
