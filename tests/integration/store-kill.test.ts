import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/store/open-store.js';
import { KILL_TEST_LAYERS, KILL_TEST_WIDTH, sampleVector } from '../fixtures/store/sample-data.js';
import { makeStoreTempDir, type StoreTempDir } from '../fixtures/store/temp-db.js';

const WRITER = join(import.meta.dirname, '..', 'fixtures', 'store', 'writer.ts');
const KILLS = 5;

let temp: StoreTempDir;
let writer: ChildProcess | null = null;

beforeEach(() => {
  temp = makeStoreTempDir();
});

afterEach(() => {
  if (writer !== null && writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL');
  writer = null;
  temp.remove();
});

/** Starts the writer and resolves once it has committed its first sample. */
async function startWriter(dbPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer exited (${code}) before its first sample: ${stderr}`)));
  });
  return child;
}

interface RunState {
  sampleRows: number;
  completedSamples: number;
  maxPosition: number;
  samplesMissingVectors: number;
  integrity: string;
}

function readRunState(dbPath: string, runId: number): RunState {
  const db = new Database(dbPath, { readonly: true });
  try {
    const counts = db
      .prepare(
        `SELECT (SELECT count(*) FROM samples WHERE run_id = :run) AS sampleRows,
                (SELECT completed_samples FROM runs WHERE id = :run) AS completedSamples,
                (SELECT coalesce(max(position), -1) FROM samples WHERE run_id = :run) AS maxPosition,
                (SELECT count(*) FROM samples s WHERE s.run_id = :run
                   AND (SELECT count(*) FROM sample_vectors v WHERE v.sample_id = s.id) != :layers)
                  AS samplesMissingVectors`,
      )
      .get({ run: runId, layers: KILL_TEST_LAYERS.length }) as Omit<RunState, 'integrity'>;
    return { ...counts, integrity: db.pragma('integrity_check', { simple: true }) as string };
  } finally {
    db.close();
  }
}

describe('a writer killed at random moments', () => {
  it('leaves whole samples only, consistent progress, and an experiment marked interrupted', async () => {
    const dbPath = temp.dbPath();
    let previousSamples = 0;
    for (let kill = 0; kill < KILLS; kill += 1) {
      writer = await startWriter(dbPath);
      if (kill === 0) {
        // Opening the history while another live process writes must not mark its experiment interrupted.
        const observer = openHistoryStore(dbPath);
        expect(observer.listExperiments({ limit: 5 }).items.map((item) => item.status)).toEqual(['running']);
        observer.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 500));
      const exited = once(writer, 'exit');
      writer.kill('SIGKILL');
      const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      expect(signal).toBe('SIGKILL');

      const store = openHistoryStore(dbPath);
      try {
        const [listed] = store.listExperiments({ limit: 5 }).items;
        expect(listed?.status).toBe('interrupted');
        const experiment = store.getExperiment(listed?.id ?? -1);
        const run = experiment.runs[0];
        expect(run?.status).toBe('interrupted');
        const runId = run?.id ?? -1;

        const state = readRunState(dbPath, runId);
        expect(state.integrity).toBe('ok');
        expect(state.completedSamples).toBe(state.sampleRows);
        expect(state.maxPosition).toBe(state.sampleRows - 1);
        expect(state.samplesMissingVectors).toBe(0);
        expect(state.sampleRows).toBeGreaterThan(previousSamples);

        // The samples written just before the kill are the likeliest to be torn: compare their values exactly.
        const firstChecked = Math.max(previousSamples, state.sampleRows - 50);
        for (const layer of KILL_TEST_LAYERS) {
          const vectors = store.getRunVectors(runId, layer).slice(firstChecked);
          expect(vectors).toEqual(
            vectors.map((_, offset) => sampleVector(firstChecked + offset, layer, KILL_TEST_WIDTH)),
          );
        }
        previousSamples = state.sampleRows;
      } finally {
        store.close();
      }
    }
  });
});
