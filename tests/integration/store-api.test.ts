import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openHistoryReader } from '../../src/store/open-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { HistoryStore, STALE_WRITER_ERROR } from '../../src/store/history-store.js';
import { newExperiment, newRun, sampleToRecord, sampleVector, storedPositions } from '../fixtures/store/sample-data.js';
import { freshHistoryEachTest, type StoreTempDir } from '../fixtures/store/temp-db.js';
import { pairInput } from '../helpers/pair-input.js';

let temp: StoreTempDir;
let store: HistoryStore;
freshHistoryEachTest((opened) => ({ temp, store } = opened));

function storeError(action: () => unknown): StoreError {
  try {
    action();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

/** Counts rows with a separate connection, so nothing of the store's own caching is involved. */
function count(table: string, where = '1 = 1'): number {
  const db = new Database(temp.dbPath(), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function completedExperiment(): { experimentId: number; runA: number; runB: number } {
  const experimentId = store.createExperiment(newExperiment());
  const runA = store.createRun(experimentId, newRun());
  const runB = store.createRun(experimentId, newRun({ name: 'radiology', datasetName: 'radiology' }));
  for (const runId of [runA, runB]) {
    for (const position of [0, 1, 2]) store.recordSample(runId, sampleToRecord(position, [0, 1, 2]));
    store.completeRun(runId, {
      layerMeans: [0, 1, 2].map((layer) => sampleVector(1, layer, 8)),
      norms: [1.5, 2.5, 3.5],
    });
  }
  return { experimentId, runA, runB };
}

describe('experiments and runs', () => {
  it('creates a running experiment owned by this process, with its runs in order', () => {
    const startedAt = new Date('2026-03-01T09:00:00.000Z');
    const experimentId = store.createExperiment(newExperiment({ startedAt, vectorPolicy: { layers: [1] } }));
    const runA = store.createRun(experimentId, newRun());
    const runB = store.createRun(experimentId, newRun({ name: 'radiology', promptOptions: undefined }));

    const experiment = store.getExperiment(experimentId);
    expect(experiment).toMatchObject({
      id: experimentId,
      name: 'activation_compare',
      status: 'running',
      source: 'workbench',
      startedAt: '2026-03-01T09:00:00.000Z',
      endedAt: null,
      modelName: 'demo-gemma',
      modelHash: 'abc123',
      hook: 'resid_post',
      pooling: 'last_token',
      vectorPolicy: { layers: [1] },
      config: { experiment: { name: 'activation_compare', pooling: 'last_token' } },
      writerPid: process.pid,
    });
    expect(experiment.uid).toMatch(/^[0-9a-f]{24}$/);
    expect(experiment.runs.map((run) => [run.id, run.runIndex, run.name])).toEqual([
      [runA, 0, 'histopathology'],
      [runB, 1, 'radiology'],
    ]);
    expect(experiment.runs[0]).toMatchObject({
      datasetPath: '/data/histopathology.tsv',
      promptOptions: { few_shot: true },
      systemPrompt: 'You are a pathologist.',
      seed: 42,
      numSamplesPlanned: 3,
      sampleIndices: [100, 101, 102],
      layerIndices: [0, 1, 2],
      status: 'running',
      completedSamples: 0,
    });
    expect(experiment.runs[1]?.promptOptions).toBeNull();
  });

  it('keeps the runtime it is given as JSON; null when none was given', () => {
    const runtime = { export_style: 'optimum', dtype: 'float32', batch_size: 2, intra_op_threads: null };
    expect(store.getExperiment(store.createExperiment(newExperiment({ runtime }))).runtime).toEqual(runtime);
    expect(store.getExperiment(store.createExperiment(newExperiment())).runtime).toBeNull();
  });

  it('refuses runs for a missing or finished experiment, and bad layer lists', () => {
    expect(storeError(() => store.createRun(999, newRun())).reason).toBe('not-found');
    const experimentId = store.createExperiment(newExperiment());
    expect(storeError(() => store.createRun(experimentId, newRun({ layerIndices: [1, 1] }))).reason).toBe(
      'invalid-input',
    );
    store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 1 });
    expect(storeError(() => store.createRun(experimentId, newRun())).reason).toBe('conflict');
  });
});

describe('recordSample', () => {
  it('stores the sample, its vectors and the progress counter together', () => {
    const experimentId = store.createExperiment(newExperiment());
    const runId = store.createRun(experimentId, newRun());
    store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
    store.recordSample(runId, { ...sampleToRecord(1, [0, 1, 2]), label: 'grade 2', truncated: true });

    expect(store.getExperiment(experimentId).runs[0]?.completedSamples).toBe(2);
    expect(storedPositions(store, runId)).toEqual([0, 1]);
    expect(store.getRunSamples(runId)).toEqual([
      { position: 0, datasetIndex: 100, label: true, tokenCount: 40, truncated: false, promptHash: 'hash-0' },
      { position: 1, datasetIndex: 101, label: 'grade 2', tokenCount: 41, truncated: true, promptHash: 'hash-1' },
    ]);
    expect(store.getRunVectors(runId, 2)).toEqual([sampleVector(0, 2, 8), sampleVector(1, 2, 8)]);
    expect(count('sample_vectors')).toBe(6);
  });

  it('stores only the vectors the policy keeps', () => {
    const keepOne = store.createExperiment(newExperiment({ vectorPolicy: { layers: [1] } }));
    const keepOneRun = store.createRun(keepOne, newRun());
    store.recordSample(keepOneRun, sampleToRecord(0, [0, 1, 2]));
    expect(store.getRunVectors(keepOneRun, 1)).toEqual([sampleVector(0, 1, 8)]);
    expect(storeError(() => store.getRunVectors(keepOneRun, 0)).message).toContain('vector policy');

    const meansOnly = store.createExperiment(newExperiment({ vectorPolicy: 'means' }));
    const meansRun = store.createRun(meansOnly, newRun());
    store.recordSample(meansRun, sampleToRecord(0, [0, 1, 2]));
    expect(count('sample_vectors')).toBe(1);
    expect(storedPositions(store, meansRun)).toEqual([0]);
  });

  it('rejects a wrong vector count, a repeated position and a run that is not running, storing nothing', () => {
    const experimentId = store.createExperiment(newExperiment());
    const runId = store.createRun(experimentId, newRun());
    store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));

    expect(storeError(() => store.recordSample(runId, sampleToRecord(1, [0, 1]))).reason).toBe('invalid-input');
    const repeated = storeError(() => store.recordSample(runId, sampleToRecord(0, [0, 1, 2])));
    expect(repeated.reason).toBe('conflict');
    expect(repeated.operation).toBe(`save sample 0 of run ${runId}`);
    expect(repeated.dbPath).toBe(temp.dbPath());
    store.completeRun(runId, { layerMeans: [0, 1, 2].map((l) => sampleVector(0, l, 8)), norms: [1, 2, 3] });
    expect(storeError(() => store.recordSample(runId, sampleToRecord(1, [0, 1, 2]))).reason).toBe('conflict');
    expect(storeError(() => store.recordSample(12345, sampleToRecord(1, [0, 1, 2]))).reason).toBe('not-found');

    expect(count('samples')).toBe(1);
    expect(count('sample_vectors')).toBe(3);
    expect(store.getExperiment(experimentId).runs[0]?.completedSamples).toBe(1);
  });
});

describe('completeRun, comparisons and finishExperiment', () => {
  it('stores layer means with their sample count and marks the run completed', () => {
    const { experimentId, runA } = completedExperiment();
    expect(store.getExperiment(experimentId).runs.map((run) => run.status)).toEqual(['completed', 'completed']);
    expect(store.getRunMeans(runA)).toEqual([
      { layer: 0, mean: sampleVector(1, 0, 8), norm: 1.5, count: 3 },
      { layer: 1, mean: sampleVector(1, 1, 8), norm: 2.5, count: 3 },
      { layer: 2, mean: sampleVector(1, 2, 8), norm: 3.5, count: 3 },
    ]);
    expect(
      storeError(() => store.completeRun(runA, { layerMeans: [sampleVector(1, 0, 8)], norms: [1] })).reason,
    ).toBe('invalid-input');
  });

  it('saves comparison rows, replacing a row for the same pair and layer', () => {
    const { experimentId, runA, runB } = completedExperiment();
    store.saveComparisons(experimentId, [
      pairInput(runA, runB, [
        { layer: 1, cosine: 0.5, l2: 3 },
        { layer: 0, cosine: 0.9, l2: 1 },
      ]),
    ]);
    store.saveComparisons(experimentId, [
      pairInput(runA, runB, [{ layer: 1, cosine: 0.6, l2: 2.5, cosineCiLow: 0.4, cosineCiHigh: 0.7, pValue: 0.01 }]),
    ]);
    const rows = store.getComparisons(experimentId);
    expect(rows.map((row) => [row.runAName, row.runBName, row.layer, row.cosine, row.l2])).toEqual([
      ['histopathology', 'radiology', 0, 0.9, 1],
      ['histopathology', 'radiology', 1, 0.6, 2.5],
    ]);
    expect(rows[1]).toMatchObject({ cosineCiLow: 0.4, cosineCiHigh: 0.7, pValue: 0.01, pValueHolm: 0.01, cka: null, l2CiLow: null });
    const [pair] = store.getPairs(experimentId);
    expect(pair?.findings.layers).toEqual([1]);
    expect(pair?.findings.layers_beyond_chance).toEqual([1]);
  });

  it('refuses comparisons naming a run of another experiment, or with non-finite values', () => {
    const first = completedExperiment();
    const second = completedExperiment();
    const error = storeError(() =>
      store.saveComparisons(first.experimentId, [pairInput(first.runA, second.runB, [{ layer: 0, cosine: 1, l2: 0 }])]),
    );
    expect(error.reason).toBe('invalid-input');
    const notFinite = storeError(() =>
      store.saveComparisons(first.experimentId, [pairInput(first.runA, first.runB, [{ layer: 0, cosine: Number.NaN, l2: 0 }])]),
    );
    expect(notFinite.reason).toBe('invalid-input');
    expect(count('comparisons')).toBe(0);
  });

  it('finishes an experiment; a failure carries its error and fails the runs still running', () => {
    const ok = completedExperiment();
    store.finishExperiment(ok.experimentId, {
      status: 'completed',
      endedAt: new Date('2026-03-01T10:00:00.000Z'),
      durationS: 12.5,
      outputDir: '/out/run-1',
    });
    expect(store.getExperiment(ok.experimentId)).toMatchObject({
      status: 'completed',
      endedAt: '2026-03-01T10:00:00.000Z',
      durationS: 12.5,
      outputDir: '/out/run-1',
      error: null,
    });

    const failedId = store.createExperiment(newExperiment());
    store.createRun(failedId, newRun());
    store.finishExperiment(failedId, {
      status: 'failed',
      endedAt: new Date(),
      durationS: 1,
      error: 'The model folder has no decoder graph.',
    });
    const failed = store.getExperiment(failedId);
    expect(failed.error).toBe('The model folder has no decoder graph.');
    expect(failed.runs[0]?.status).toBe('failed');
  });
});

describe('interrupted experiments and resume', () => {
  it('leaves running experiments of this live process alone', () => {
    const experimentId = store.createExperiment(newExperiment());
    expect(store.markStaleRunningAsInterrupted()).toEqual([]);
    expect(store.getExperiment(experimentId).status).toBe('running');
  });

  it('marks an experiment whose writer process is gone as interrupted, and lets a runner resume it', () => {
    const experimentId = store.createExperiment(newExperiment());
    const runId = store.createRun(experimentId, newRun());
    store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
    // A pid above the kernel's pid_max (4194304 at most) cannot belong to a live process.
    const db = new Database(temp.dbPath());
    db.prepare('UPDATE experiments SET writer_pid = 4194305 WHERE id = ?').run(experimentId);
    db.close();

    expect(store.markStaleRunningAsInterrupted()).toEqual([experimentId]);
    const interrupted = store.getExperiment(experimentId);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.runs[0]?.status).toBe('interrupted');
    expect(interrupted.endedAt).toBe(interrupted.lastActivityAt);
    expect(interrupted.durationS).toBeGreaterThanOrEqual(0);
    // The history says why it stopped, so the list can show it.
    expect(interrupted.error).toBe(STALE_WRITER_ERROR);

    store.resumeExperiment(experimentId);
    const resumed = store.getExperiment(experimentId);
    expect(resumed).toMatchObject({ status: 'running', endedAt: null, durationS: null, writerPid: process.pid, error: null });
    expect(resumed.runs[0]?.status).toBe('running');
    expect(storedPositions(store, runId)).toEqual([0]);
    store.recordSample(runId, sampleToRecord(1, [0, 1, 2]));
    expect(storedPositions(store, runId)).toEqual([0, 1]);
    expect(storeError(() => store.resumeExperiment(experimentId)).reason).toBe('conflict');
  });
});

describe('listExperiments', () => {
  function seedHistory(): number[] {
    const names = ['alpha', 'beta', 'gamma', 'delta'];
    return names.map((name, index) => {
      const id = store.createExperiment(
        newExperiment({ name, startedAt: new Date(Date.UTC(2026, 0, 10 + index)), modelName: `model-${name}` }),
      );
      const runId = store.createRun(id, newRun({ name: `${name}-run`, datasetName: index === 2 ? 'radiology' : 'hare' }));
      for (let position = 0; position <= index; position += 1) {
        store.recordSample(runId, sampleToRecord(position, [0, 1, 2]));
      }
      store.createRun(id, newRun({ name: `${name}-second` }));
      return id;
    });
  }

  it('lists newest first with variants, total samples and duration, page by page', () => {
    const [alpha, beta, gamma, delta] = seedHistory();
    store.finishExperiment(beta!, { status: 'completed', endedAt: new Date(), durationS: 42 });
    const firstPage = store.listExperiments({ limit: 2 });
    expect(firstPage.total).toBe(4);
    expect(firstPage.items.map((item) => item.id)).toEqual([delta, gamma]);
    expect(firstPage.items[0]).toMatchObject({
      name: 'delta',
      status: 'running',
      startedAt: '2026-01-13T00:00:00.000Z',
      modelName: 'model-delta',
      variants: ['delta-run', 'delta-second'],
      totalSamples: 4,
      durationS: null,
      pooling: 'last_token',
      demoModel: false,
    });
    const secondPage = store.listExperiments({ limit: 2, offset: 2 });
    expect(secondPage.items.map((item) => [item.id, item.durationS])).toEqual([
      [beta, 42],
      [alpha, null],
    ]);
  });

  it('filters by status and by text in names, models, run names and datasets', () => {
    const [alpha, beta, gamma] = seedHistory();
    store.finishExperiment(alpha!, { status: 'failed', endedAt: new Date(), durationS: 1, error: 'x' });
    expect(store.listExperiments({ limit: 10, status: 'failed' }).items.map((item) => item.id)).toEqual([alpha]);
    expect(store.listExperiments({ limit: 10, search: 'MODEL-BETA' }).items.map((item) => item.id)).toEqual([beta]);
    expect(store.listExperiments({ limit: 10, search: 'radiology' }).items.map((item) => item.id)).toEqual([gamma]);
    expect(store.listExperiments({ limit: 10, search: 'alpha-sec' }).items.map((item) => item.id)).toEqual([alpha]);
    const none = store.listExperiments({ limit: 10, search: '100%' });
    expect(none).toEqual({ total: 0, items: [] });
  });

  it('walks the start-time index instead of sorting the table', () => {
    seedHistory();
    const db = new Database(temp.dbPath(), { readonly: true });
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT id FROM experiments e ORDER BY e.started_at DESC, e.id DESC LIMIT 5')
      .all() as { detail: string }[];
    const statusPlan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM experiments e WHERE e.status = 'running'
         ORDER BY e.started_at DESC, e.id DESC LIMIT 5`,
      )
      .all() as { detail: string }[];
    db.close();
    expect(plan.map((row) => row.detail).join(' ')).toContain('experiments_by_start');
    expect(statusPlan.map((row) => row.detail).join(' ')).toContain('experiments_by_status_start');
    expect([...plan, ...statusPlan].some((row) => row.detail.includes('TEMP B-TREE'))).toBe(false);
  });
});

describe('resolveExperimentRef', () => {
  it('finds an experiment by number, #number, uid or uid prefix', () => {
    const id = store.createExperiment(newExperiment());
    const { uid } = store.getExperiment(id);
    expect(store.resolveExperimentRef(String(id))).toBe(id);
    expect(store.resolveExperimentRef(`#${id}`)).toBe(id);
    expect(store.resolveExperimentRef(uid)).toBe(id);
    expect(store.resolveExperimentRef(uid.slice(0, 20).toUpperCase())).toBe(id);
    expect(storeError(() => store.resolveExperimentRef('ffffffff')).reason).toBe('not-found');
  });

  it('reports an ambiguous prefix', () => {
    const first = store.createExperiment(newExperiment());
    store.createExperiment(newExperiment());
    // Uids start with the creation time in hex: the first four digits change only every 49 days.
    const prefix = store.getExperiment(first).uid.slice(0, 4);
    expect(storeError(() => store.resolveExperimentRef(prefix)).reason).toBe('conflict');
  });
});

describe('deleteExperiment', () => {
  it('removes the experiment and every row it holds, leaving others intact', () => {
    const doomed = completedExperiment();
    const kept = completedExperiment();
    for (const { experimentId, runA, runB } of [doomed, kept]) {
      store.saveComparisons(experimentId, [pairInput(runA, runB, [{ layer: 0, cosine: 1, l2: 0 }])]);
      store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 1 });
    }
    expect(store.deleteExperiment(doomed.experimentId)).toBe(true);
    expect(store.deleteExperiment(doomed.experimentId)).toBe(false);

    expect(count('experiments')).toBe(1);
    expect(count('runs')).toBe(2);
    expect(count('samples')).toBe(6);
    expect(count('sample_vectors')).toBe(18);
    expect(count('run_layer_means')).toBe(6);
    expect(count('comparisons')).toBe(1);
    expect(count('runs', `experiment_id = ${kept.experimentId}`)).toBe(2);
    expect(storeError(() => store.getExperiment(doomed.experimentId)).reason).toBe('not-found');
    expect(storeError(() => store.getRunMeans(doomed.runA)).reason).toBe('not-found');
  });

  it('never hands out the id of a deleted experiment or run again', () => {
    const { experimentId, runB } = completedExperiment();
    store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 1 });
    store.deleteExperiment(experimentId);
    const nextId = store.createExperiment(newExperiment());
    expect(nextId).toBeGreaterThan(experimentId);
    expect(store.createRun(nextId, newRun())).toBeGreaterThan(runB);
  });

  it('refuses to delete an experiment a live process is still writing', () => {
    const experimentId = store.createExperiment(newExperiment());
    const error = storeError(() => store.deleteExperiment(experimentId));
    expect(error.reason).toBe('conflict');
    expect(error.message).toContain(`process ${process.pid}`);
    expect(count('experiments')).toBe(1);
  });
});

describe('read-only stores', () => {
  it('browse the history, offering no writes', () => {
    const { experimentId } = completedExperiment();
    store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 1 });
    const reader = openHistoryReader(temp.dbPath());
    try {
      expect(reader).not.toBeInstanceOf(HistoryStore);
      expect(reader.listExperiments({ limit: 5 }).items.map((item) => item.id)).toEqual([experimentId]);
      expect(reader.getExperiment(experimentId).status).toBe('completed');
    } finally {
      reader.close();
    }
    expect(count('experiments')).toBe(1);
  });
});
