import type { Sample } from '../datasets/sample.js';
import type { AnalysedRun } from './analyse.js';
import { ExperimentError } from './errors.js';
import type { PlannedRun } from './plan.js';

/**
 * Holds every sample's pooled vectors of an experiment in memory (computed now or read back on resume), so the
 * analytics can run whatever the history's vector policy keeps.
 */
export class SampleVectorCollector {
  /** byRun[r][position]: the sample's vectors, one per captured layer. */
  private readonly byRun: Array<Array<Float32Array[] | undefined>>;

  constructor(private readonly runs: readonly PlannedRun[]) {
    this.byRun = runs.map((run) => new Array<Float32Array[] | undefined>(run.sampleIndices.length));
  }

  add(runIndex: number, position: number, pooled: Float32Array[]): void {
    const slots = this.byRun[runIndex];
    if (slots === undefined || position < 0 || position >= slots.length) {
      throw new ExperimentError(`Sample ${position} of run ${runIndex} is outside the planned experiment.`);
    }
    slots[position] = pooled;
  }

  /** Every run's vectors regrouped by layer, with labels and dataset indices; datasetHashes is per run. */
  analysedRuns(layerCount: number, datasetHashes: readonly (string | null)[]): AnalysedRun[] {
    return this.runs.map((run, r) => {
      const samples = (this.byRun[r] ?? []).map((vectors, position) => {
        if (vectors === undefined) {
          throw new ExperimentError(`Run "${run.name}" has no vectors for sample ${position}; it did not finish.`);
        }
        return vectors;
      });
      return {
        name: run.name,
        vectorsByLayer: Array.from({ length: layerCount }, (_, k) => samples.map((vectors) => vectors[k] as Float32Array)),
        labels: run.sampleIndices.map((index) => (run.dataset.samples[index] as Sample).label),
        sampleIndices: [...run.sampleIndices],
        datasetHash: datasetHashes[r] ?? null,
      };
    });
  }
}
