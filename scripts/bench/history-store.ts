/**
 * History figures: listing 1,000 stored experiments, and what recording a run (per-sample vectors of every layer,
 * in one transaction per sample) adds to the run's time, measured side by side on the same job.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeConfig } from '../../src/config/compose.js';
import { requireActivationCompare } from '../../src/config/schemas.js';
import type { JobContext } from '../../src/experiments/prepare-job.js';
import { runJob } from '../../src/experiments/run-job.js';
import { openHistoryReader, openHistoryStore } from '../../src/store/open-store.js';
import type { BenchSection } from './section.js';

const EXPERIMENTS = 1000;
const SAMPLES_PER_RUN = 6;

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function fillHistory(dbPath: string): void {
  const store = openHistoryStore(dbPath);
  try {
    for (let at = 0; at < EXPERIMENTS; at += 1) {
      const id = store.createExperiment({
        name: 'activation_compare',
        config: { experiment: { name: 'activation_compare', seed: at } },
        vectorPolicy: 'means',
        startedAt: new Date(Date.UTC(2026, 0, 1) + at * 60_000),
        modelName: at % 2 === 0 ? 'google/medgemma-4b-it' : 'demo-gemma3-tiny',
        hook: 'resid_post',
        pooling: 'mean',
      });
      for (const name of ['histopathology', 'radiology']) {
        store.createRun(id, { name, datasetName: name, promptName: name, seed: at, numSamplesPlanned: 50, layerIndices: [0, 1, 2] });
      }
      store.finishExperiment(id, { status: 'completed', endedAt: new Date(Date.UTC(2026, 0, 1) + at * 60_000 + 53_000), durationS: 53 });
    }
  } finally {
    store.close();
  }
}

export function historyStoreSection(root: string, benchModelDir: () => string): BenchSection {
  return {
    name: 'history store',
    async run(log) {
      const scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-bench-history-'));
      try {
        const dbPath = path.join(scratch, 'history.sqlite');
        fillHistory(dbPath);
        const store = openHistoryReader(dbPath);
        store.listExperiments({ limit: EXPERIMENTS });
        let start = performance.now();
        const page = store.listExperiments({ limit: EXPERIMENTS });
        const listAllSeconds = seconds(start);
        start = performance.now();
        store.listExperiments({ limit: 50, search: 'radiology' });
        const searchSeconds = seconds(start);
        store.close();
        log(`listing all ${page.items.length} of ${page.total} experiments: ${(listAllSeconds * 1000).toFixed(1)} ms; a searched page of 50: ${(searchSeconds * 1000).toFixed(1)} ms`);

        // The same job with and without recording every sample's vectors, alternated after a warm-up.
        const config = requireActivationCompare(
          composeConfig({
            configDir: path.join(root, 'configs'),
            overrides: [`model.path=${benchModelDir()}`, `experiment.num_samples=${SAMPLES_PER_RUN}`, 'experiment.max_input_tokens=600'],
          }),
        );
        const context = (name: string): JobContext => ({
          configDir: path.join(root, 'configs'),
          dataRoot: root,
          cacheDir: path.join(root, '.cache'),
          outputRoot: scratch,
          outDir: path.join(scratch, name),
          overwriteReport: true,
          appVersion: 'bench',
        });
        const recordingStore = openHistoryStore(path.join(scratch, 'recording.sqlite'));
        const timed = async (name: string, record: boolean): Promise<number> => {
          const begin = performance.now();
          await runJob(config, context(name), {}, record ? { store: recordingStore, vectorPolicy: 'all' } : null);
          return seconds(begin);
        };
        await timed('warm-up', false);
        const plain: number[] = [];
        const recorded: number[] = [];
        for (let round = 0; round < 2; round += 1) {
          plain.push(await timed(`plain-${round}`, false));
          recorded.push(await timed(`recorded-${round}`, true));
        }
        recordingStore.close();
        const plainSeconds = Math.min(...plain);
        const recordedSeconds = Math.min(...recorded);
        log(`job of 2 x ${SAMPLES_PER_RUN} samples: ${plainSeconds.toFixed(2)} s without the history, ${recordedSeconds.toFixed(2)} s recording every sample's vectors of all layers`);
        return {
          history_list_1000_seconds: listAllSeconds,
          history_search_page_seconds: searchSeconds,
          history_list_1000_vs_1s_budget: listAllSeconds / 1,
          store_vectors_run_vs_no_store: recordedSeconds / plainSeconds,
        };
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}
