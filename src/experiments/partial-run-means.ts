import type { HistoryReader } from '../store/history-reader.js';
import type { RunRecord } from '../store/types.js';
import type { RunMeans } from './metrics.js';
import { PoolingAccumulator } from './pooling-accumulator.js';

interface Progress {
  /** null until the first vector tells the hidden size. */
  accumulator: PoolingAccumulator | null;
  /** Per layer, the next sample position to read. */
  next: Map<number, number>;
}

/**
 * The means of the samples a run has stored so far, for following a run that is still going (or stopped early):
 * each call reads only the samples stored since the last one, so following a long run stays cheap. Layers whose
 * vectors the experiment does not keep have no mean.
 */
export class PartialRunMeans {
  private readonly progress = new Map<number, Progress>();

  means(store: HistoryReader, run: RunRecord, keptLayers: readonly number[]): RunMeans {
    let progress = this.progress.get(run.id);
    if (progress === undefined) {
      progress = { accumulator: null, next: new Map(keptLayers.map((layer) => [layer, 0])) };
      this.progress.set(run.id, progress);
    }
    for (const layer of keptLayers) {
      const rows = store.getRunVectorsSince(run.id, layer, progress.next.get(layer) ?? 0);
      for (const { position, vector } of rows) {
        progress.accumulator ??= new PoolingAccumulator(keptLayers, vector.length);
        progress.accumulator.add(layer, vector);
        progress.next.set(layer, position + 1);
      }
    }
    return progress.accumulator?.toRunMeans(run.name) ?? { name: run.name, layerIndices: [], meanByLayer: new Map() };
  }

  /** Forgets a run (e.g. once it has completed and its stored means are read instead). */
  forget(runId: number): void {
    this.progress.delete(runId);
  }
}
