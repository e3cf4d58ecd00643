import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { stringifyJsonExact } from '../config/exact-json.js';
import { findImportedExperiment, insertCotlabExperiment } from './cotlab-import.js';
import { parseCotlabResults } from './cotlab-results.js';
import { newExperimentUid } from './experiment-uid.js';
import { listExperiments } from './list-experiments.js';
import { isProcessAlive } from './process-liveness.js';
import { insertLayerMeans, upsertComparison, type StatementSource } from './row-writes.js';
import { seedColumns } from './seed-columns.js';
import {
  decodeVector,
  experimentFromRow,
  layerMeanFromRow,
  parseLayerIndices,
  parseVectorPolicy,
  runFromRow,
  sampleFromRow,
  type ExperimentRow,
  type LayerMeanRow,
  type RunRow,
  type SampleRow,
} from './rows.js';
import { newStoreError, toStoreError, type StoreErrorReason } from './store-error.js';
import type {
  ComparisonInput,
  ComparisonRecord,
  ExperimentDetail,
  ExperimentFinish,
  ExperimentPage,
  ExperimentStatus,
  LayerMeanRecord,
  ListExperimentsQuery,
  NewExperiment,
  NewRun,
  RunCompletion,
  SampleToRecord,
  StoredSample,
} from './types.js';
import { float32ToBlob } from './vector-blob.js';
import { keepsLayerVector, VectorPolicySchema } from './vector-policy.js';

/** What recordSample needs to know about a run; fixed once the run exists, so it is cached. */
interface RunShape {
  experimentId: number;
  layerIndices: number[];
  /** Per position in layerIndices: whether that layer's vector is stored. */
  keepVector: boolean[];
}

interface WriterRow {
  id: number;
  status: ExperimentStatus;
  writer_pid: number | null;
  writer_host: string | null;
  started_at: string;
  last_activity_at: string;
}

interface ComparisonRow {
  run_a_id: number;
  run_b_id: number;
  run_a_name: string;
  run_b_name: string;
  layer: number;
  cosine: number;
  l2: number;
  centred_cosine: number | null;
  relative_l2: number | null;
  cosine_ci_low: number | null;
  cosine_ci_high: number | null;
  l2_ci_low: number | null;
  l2_ci_high: number | null;
  p_value: number | null;
  n_permutations: number | null;
  cka: number | null;
}

const EXPERIMENT_COLUMNS = `id, uid, name, status, source, source_path, config_json, vector_policy_json, started_at,
  ended_at, duration_s, last_activity_at, model_name, model_dir, model_hash, demo_model, execution_provider,
  execution_provider_note, hook, pooling, app_version, output_dir, error, writer_pid, writer_host, runtime_json`;

const RUN_COLUMNS = `id, experiment_id, run_index, name, dataset_name, dataset_path, dataset_hash, prompt_name,
  prompt_options_json, system_prompt, seed, seed_text, num_samples_planned, sample_indices_json, layer_indices_json,
  status, completed_samples`;

/**
 * The experiment history: one SQLite file holding experiments, their runs, per-sample vectors, layer means and
 * comparisons. Every write is one transaction, so a process killed at any instant leaves whole samples only.
 * Open it with openHistoryStore.
 */
export class HistoryStore {
  readonly dbPath: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly runShapes = new Map<number, RunShape>();
  private readonly statementSource: StatementSource = (sql) => this.statement(sql);

  constructor(db: Database.Database, dbPath: string, readonly: boolean) {
    this.db = db;
    this.dbPath = dbPath;
    this.readonly = readonly;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  /** Starts an experiment in status `running`, owned by this process; returns its id. */
  createExperiment(input: NewExperiment): number {
    const operation = 'create an experiment';
    return this.write(operation, () => {
      const policy = VectorPolicySchema.safeParse(input.vectorPolicy);
      if (!policy.success) this.fail('invalid-input', operation, 'vector policy must be all, means or {layers: [...]}');
      const startedAt = (input.startedAt ?? new Date()).toISOString();
      const result = this.statement(
        `INSERT INTO experiments (uid, name, status, source, config_json, vector_policy_json, started_at,
           last_activity_at, model_name, model_dir, model_hash, demo_model, execution_provider,
           execution_provider_note, hook, pooling, app_version, output_dir, writer_pid, writer_host, runtime_json)
         VALUES (?, ?, 'running', 'workbench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        newExperimentUid(),
        input.name,
        stringifyJsonExact(input.config ?? null),
        JSON.stringify(policy.data),
        startedAt,
        startedAt,
        input.modelName ?? null,
        input.modelDir ?? null,
        input.modelHash ?? null,
        input.demoModel === true ? 1 : 0,
        input.executionProvider ?? null,
        input.executionProviderNote ?? null,
        input.hook ?? null,
        input.pooling ?? null,
        input.appVersion ?? null,
        input.outputDir ?? null,
        process.pid,
        hostname(),
        input.runtime === undefined || input.runtime === null ? null : JSON.stringify(input.runtime),
      );
      return Number(result.lastInsertRowid);
    });
  }

  /** Adds the next run (variant) to a running experiment; returns the run id. */
  createRun(experimentId: number, run: NewRun): number {
    const operation = 'create a run';
    return this.write(operation, () => {
      this.checkLayerList(operation, run.layerIndices);
      if (!Number.isInteger(run.numSamplesPlanned) || run.numSamplesPlanned < 0) {
        this.fail('invalid-input', operation, `planned sample count ${run.numSamplesPlanned} is not a whole number`);
      }
      return this.transaction(() => {
        this.requireRunningExperiment(operation, experimentId);
        const seed = seedColumns(run.seed);
        const result = this.statement(
          `INSERT INTO runs (experiment_id, run_index, name, dataset_name, dataset_path, dataset_hash, prompt_name,
             prompt_options_json, system_prompt, seed, seed_text, num_samples_planned, sample_indices_json,
             layer_indices_json, status)
           VALUES (?, (SELECT coalesce(max(run_index) + 1, 0) FROM runs WHERE experiment_id = ?), ?, ?, ?, ?, ?, ?, ?,
             ?, ?, ?, ?, ?, 'running')`,
        ).run(
          experimentId,
          experimentId,
          run.name,
          run.datasetName,
          run.datasetPath ?? null,
          run.datasetHash ?? null,
          run.promptName,
          run.promptOptions === undefined ? null : JSON.stringify(run.promptOptions),
          run.systemPrompt ?? null,
          seed.seed,
          seed.seedText,
          run.numSamplesPlanned,
          run.sampleIndices === undefined || run.sampleIndices === null ? null : JSON.stringify(run.sampleIndices),
          JSON.stringify(run.layerIndices),
        );
        this.touchExperiment(experimentId);
        return Number(result.lastInsertRowid);
      });
    });
  }

  /**
   * Stores one processed sample: its row, the vectors the experiment's policy keeps, and the run's progress
   * counter, all in one transaction (a crash keeps all of it or none of it).
   */
  recordSample(runId: number, sample: SampleToRecord): void {
    const operation = `save sample ${sample.position} of run ${runId}`;
    this.write(operation, () => {
      const shape = this.runShape(operation, runId);
      this.checkVectors(operation, sample.vectors, shape.layerIndices.length);
      const blobs = sample.vectors.map((vector, index) => (shape.keepVector[index] ? float32ToBlob(vector) : null));
      this.transaction(() => {
        const progressed = this.statement(
          `UPDATE runs SET completed_samples = completed_samples + 1 WHERE id = ? AND status = 'running'`,
        ).run(runId);
        if (progressed.changes === 0) this.fail('conflict', operation, `run ${runId} is not running`);
        const inserted = this.statement(
          `INSERT INTO samples (run_id, position, dataset_index, label_json, token_count, truncated, prompt_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          runId,
          sample.position,
          sample.datasetIndex,
          JSON.stringify(sample.label),
          sample.tokenCount,
          sample.truncated ? 1 : 0,
          sample.promptHash,
        );
        const sampleId = Number(inserted.lastInsertRowid);
        const insertVector = this.statement('INSERT INTO sample_vectors (sample_id, layer, vector) VALUES (?, ?, ?)');
        blobs.forEach((blob, index) => {
          if (blob !== null) insertVector.run(sampleId, shape.layerIndices[index], blob);
        });
        this.touchExperiment(shape.experimentId);
      });
    });
  }

  /** Stores the run's per-layer means and norms (in the run's layer order) and marks it completed. */
  completeRun(runId: number, completion: RunCompletion): void {
    const operation = `complete run ${runId}`;
    this.write(operation, () => {
      const shape = this.runShape(operation, runId);
      this.checkVectors(operation, completion.layerMeans, shape.layerIndices.length);
      if (completion.norms.length !== shape.layerIndices.length) {
        this.fail('invalid-input', operation, `${completion.norms.length} norms for ${shape.layerIndices.length} layers`);
      }
      this.transaction(() => {
        const completed = this.statement(
          `UPDATE runs SET status = 'completed' WHERE id = ? AND status = 'running' RETURNING completed_samples`,
        ).get(runId) as { completed_samples: number } | undefined;
        if (completed === undefined) this.fail('conflict', operation, `run ${runId} is not running`);
        insertLayerMeans(
          this.statementSource,
          runId,
          shape.layerIndices,
          completion.layerMeans.map((mean) => float32ToBlob(mean)),
          completion.norms,
          completed.completed_samples,
        );
        this.touchExperiment(shape.experimentId);
      });
    });
  }

  /** Stores per-layer comparison rows; a row for the same pair and layer replaces the stored one. */
  saveComparisons(experimentId: number, comparisons: readonly ComparisonInput[]): void {
    const operation = `save comparisons of experiment ${experimentId}`;
    this.write(operation, () => {
      this.transaction(() => {
        this.requireExperiment(operation, experimentId);
        const runIds = new Set(
          (this.statement('SELECT id FROM runs WHERE experiment_id = ?').all(experimentId) as { id: number }[]).map(
            (row) => row.id,
          ),
        );
        for (const comparison of comparisons) {
          if (!Number.isFinite(comparison.cosine) || !Number.isFinite(comparison.l2)) {
            this.fail('invalid-input', operation, `cosine and L2 of layer ${comparison.layer} must be finite numbers`);
          }
          for (const runId of [comparison.runAId, comparison.runBId]) {
            if (!runIds.has(runId)) {
              this.fail('invalid-input', operation, `run ${runId} does not belong to experiment ${experimentId}`);
            }
          }
          upsertComparison(this.statementSource, experimentId, comparison);
        }
      });
    });
  }

  /** Comparison rows of an experiment, ordered by run A, run B (run order) and layer. */
  getComparisons(experimentId: number): ComparisonRecord[] {
    const operation = `read comparisons of experiment ${experimentId}`;
    return this.guard(operation, () => {
      this.requireExperiment(operation, experimentId);
      const rows = this.statement(
        `SELECT c.run_a_id, c.run_b_id, a.name AS run_a_name, b.name AS run_b_name, c.layer, c.cosine, c.l2,
                c.centred_cosine, c.relative_l2, c.cosine_ci_low, c.cosine_ci_high, c.l2_ci_low, c.l2_ci_high,
                c.p_value, c.n_permutations, c.cka
         FROM comparisons c JOIN runs a ON a.id = c.run_a_id JOIN runs b ON b.id = c.run_b_id
         WHERE c.experiment_id = ?
         ORDER BY a.run_index, b.run_index, c.layer`,
      ).all(experimentId) as ComparisonRow[];
      return rows.map((row) => ({
        runAId: row.run_a_id,
        runBId: row.run_b_id,
        runAName: row.run_a_name,
        runBName: row.run_b_name,
        layer: row.layer,
        cosine: row.cosine,
        l2: row.l2,
        centredCosine: row.centred_cosine,
        relativeL2: row.relative_l2,
        cosineCiLow: row.cosine_ci_low,
        cosineCiHigh: row.cosine_ci_high,
        l2CiLow: row.l2_ci_low,
        l2CiHigh: row.l2_ci_high,
        pValue: row.p_value,
        nPermutations: row.n_permutations,
        cka: row.cka,
      }));
    });
  }

  /** Ends an experiment. Runs still marked running take a failed or interrupted status with it. */
  finishExperiment(experimentId: number, finish: ExperimentFinish): void {
    const operation = `finish experiment ${experimentId}`;
    this.write(operation, () => {
      this.transaction(() => {
        this.requireExperiment(operation, experimentId);
        this.statement(
          `UPDATE experiments SET status = ?, ended_at = ?, duration_s = ?, output_dir = coalesce(?, output_dir),
             error = ?, last_activity_at = ?
           WHERE id = ?`,
        ).run(
          finish.status,
          finish.endedAt.toISOString(),
          finish.durationS,
          finish.outputDir ?? null,
          finish.error ?? null,
          finish.endedAt.toISOString(),
          experimentId,
        );
        if (finish.status !== 'completed') {
          this.statement(`UPDATE runs SET status = ? WHERE experiment_id = ? AND status = 'running'`).run(
            finish.status,
            experimentId,
          );
        }
      });
    });
  }

  /**
   * Marks experiments left `running` by a process that no longer exists as `interrupted` (ended at their last
   * stored sample). Only writers on this machine can be checked; a live writer (this process included) is left
   * alone. Returns the ids marked. openHistoryStore calls it on every writable open.
   */
  markStaleRunningAsInterrupted(): number[] {
    const operation = 'mark stopped experiments as interrupted';
    return this.write(operation, () =>
      this.transaction(() => {
        const running = this.statement(
          `SELECT id, status, writer_pid, writer_host, started_at, last_activity_at FROM experiments
           WHERE status = 'running'`,
        ).all() as WriterRow[];
        const stale = running.filter((row) => !this.writerMayBeAlive(row));
        for (const row of stale) {
          const durationS = (Date.parse(row.last_activity_at) - Date.parse(row.started_at)) / 1000;
          this.statement(
            `UPDATE experiments SET status = 'interrupted', ended_at = last_activity_at, duration_s = ? WHERE id = ?`,
          ).run(durationS, row.id);
          this.statement(`UPDATE runs SET status = 'interrupted' WHERE experiment_id = ? AND status = 'running'`).run(
            row.id,
          );
        }
        return stale.map((row) => row.id);
      }),
    );
  }

  /**
   * Takes over an interrupted (or failed) experiment so a runner can continue it: it becomes `running` under this
   * process, as do its unfinished runs. getRunSamples tells which positions are already stored.
   */
  resumeExperiment(experimentId: number): void {
    const operation = `resume experiment ${experimentId}`;
    this.write(operation, () => {
      this.transaction(() => {
        const experiment = this.requireExperiment(operation, experimentId);
        if (experiment.status === 'completed' || experiment.status === 'running') {
          this.fail('conflict', operation, `the experiment is ${experiment.status}`);
        }
        this.statement(
          `UPDATE experiments SET status = 'running', ended_at = NULL, duration_s = NULL, error = NULL,
             writer_pid = ?, writer_host = ?
           WHERE id = ?`,
        ).run(process.pid, hostname(), experimentId);
        this.statement(`UPDATE runs SET status = 'running' WHERE experiment_id = ? AND status != 'completed'`).run(
          experimentId,
        );
      });
    });
  }

  listExperiments(query: ListExperimentsQuery): ExperimentPage {
    return this.guard('list experiments', () => listExperiments(this.db, query));
  }

  /** One experiment with its runs in run order. */
  getExperiment(experimentId: number): ExperimentDetail {
    const operation = `read experiment ${experimentId}`;
    return this.guard(operation, () => {
      const experiment = experimentFromRow(this.requireExperiment(operation, experimentId));
      const runs = this.statement(`SELECT ${RUN_COLUMNS} FROM runs WHERE experiment_id = ? ORDER BY run_index`).all(
        experimentId,
      ) as RunRow[];
      return { ...experiment, runs: runs.map(runFromRow) };
    });
  }

  /** Finds an experiment by its number, its uid, or an unambiguous uid prefix of at least 4 characters. */
  resolveExperimentRef(ref: string): number {
    const operation = `find experiment "${ref}"`;
    return this.guard(operation, () => {
      const text = ref.trim().replace(/^#/, '').toLowerCase();
      if (/^\d+$/.test(text)) {
        const byId = this.statement('SELECT id FROM experiments WHERE id = ?').get(Number(text)) as
          | { id: number }
          | undefined;
        if (byId !== undefined) return byId.id;
      }
      if (text.length >= 4) {
        const byUid = this.statement(
          `SELECT id FROM experiments WHERE uid >= ? AND uid < ? || char(0x10FFFF) ORDER BY uid LIMIT 2`,
        ).all(text, text) as { id: number }[];
        if (byUid.length > 1) this.fail('conflict', operation, 'several experiments match; give more of the id');
        if (byUid[0] !== undefined) return byUid[0].id;
      }
      return this.fail('not-found', operation, `no experiment "${ref}"`);
    });
  }

  /** The stored vectors of one layer of a run, one per sample in position order. */
  getRunVectors(runId: number, layer: number): Float32Array[] {
    const operation = `read layer ${layer} vectors of run ${runId}`;
    return this.guard(operation, () => {
      const shape = this.runShape(operation, runId);
      const index = shape.layerIndices.indexOf(layer);
      if (index < 0) this.fail('not-found', operation, `run ${runId} did not capture layer ${layer}`);
      if (!shape.keepVector[index]) {
        this.fail('not-found', operation, `the experiment's vector policy did not keep layer ${layer}`);
      }
      const rows = this.statement(
        `SELECT v.vector FROM samples s JOIN sample_vectors v ON v.sample_id = s.id AND v.layer = ?
         WHERE s.run_id = ? ORDER BY s.position`,
      ).all(layer, runId) as { vector: Buffer }[];
      return rows.map((row) => decodeVector('sample_vectors.vector', row.vector));
    });
  }

  /** The run's per-layer means and norms by ascending layer (empty until the run is completed). */
  getRunMeans(runId: number): LayerMeanRecord[] {
    const operation = `read layer means of run ${runId}`;
    return this.guard(operation, () => {
      this.runShape(operation, runId);
      const rows = this.statement(
        'SELECT layer, mean, norm, count FROM run_layer_means WHERE run_id = ? ORDER BY layer',
      ).all(runId) as LayerMeanRow[];
      return rows.map(layerMeanFromRow);
    });
  }

  /** The run's stored samples (without vectors) in position order. */
  getRunSamples(runId: number): StoredSample[] {
    const operation = `read samples of run ${runId}`;
    return this.guard(operation, () => {
      this.runShape(operation, runId);
      const rows = this.statement(
        `SELECT position, dataset_index, label_json, token_count, truncated, prompt_hash FROM samples
         WHERE run_id = ? ORDER BY position`,
      ).all(runId) as SampleRow[];
      return rows.map(sampleFromRow);
    });
  }

  /**
   * Deletes an experiment and everything it holds. Refuses one still being written by a live process.
   * Returns false when there was no such experiment.
   */
  deleteExperiment(experimentId: number): boolean {
    const operation = `delete experiment ${experimentId}`;
    return this.write(operation, () =>
      this.transaction(() => {
        const writer = this.statement(
          `SELECT id, status, writer_pid, writer_host, started_at, last_activity_at FROM experiments WHERE id = ?`,
        ).get(experimentId) as WriterRow | undefined;
        if (writer === undefined) return false;
        if (writer.status === 'running' && this.writerMayBeAlive(writer)) {
          this.fail('conflict', operation, `it is still being written by process ${writer.writer_pid ?? '?'}`);
        }
        this.statement('DELETE FROM experiments WHERE id = ?').run(experimentId);
        for (const [runId, shape] of this.runShapes) {
          if (shape.experimentId === experimentId) this.runShapes.delete(runId);
        }
        return true;
      }),
    );
  }

  /**
   * Imports a parsed CoTLab activation_compare results.json (spec §1.7) as a completed experiment with source
   * `cotlab-import`: its config, runs with their mean-activation norms, and per-layer comparisons; CoTLab stores
   * no vectors. Refuses a file already imported. Returns the new experiment id.
   */
  importCotlabResults(json: unknown, sourcePath: string): number {
    const operation = `import ${sourcePath}`;
    return this.write(operation, () => {
      const results = parseCotlabResults(json, sourcePath);
      return this.transaction(() => {
        const existing = findImportedExperiment(this.statementSource, results);
        if (existing !== null) this.fail('conflict', operation, `it is already in the history as experiment ${existing}`);
        return insertCotlabExperiment(this.statementSource, results, resolve(sourcePath));
      });
    });
  }

  // ------------------------------------------------------------------------------------------------ internals

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy_timeout) instead of failing. */
  private transaction<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }

  private guard<T>(operation: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw toStoreError(error, this.dbPath, operation);
    }
  }

  private write<T>(operation: string, body: () => T): T {
    if (this.readonly) this.fail('read-only', operation, 'the history was opened read-only');
    return this.guard(operation, body);
  }

  private fail(reason: StoreErrorReason, operation: string, detail: string): never {
    throw newStoreError(reason, this.dbPath, operation, detail);
  }

  private requireExperiment(operation: string, experimentId: number): ExperimentRow {
    const row = this.statement(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?`).get(experimentId) as
      | ExperimentRow
      | undefined;
    if (row === undefined) this.fail('not-found', operation, `no experiment ${experimentId}`);
    return row;
  }

  private requireRunningExperiment(operation: string, experimentId: number): void {
    const row = this.requireExperiment(operation, experimentId);
    if (row.status !== 'running') this.fail('conflict', operation, `experiment ${experimentId} is ${row.status}`);
  }

  private runShape(operation: string, runId: number): RunShape {
    const cached = this.runShapes.get(runId);
    if (cached !== undefined) return cached;
    const row = this.statement(
      `SELECT r.experiment_id, r.layer_indices_json, e.vector_policy_json
       FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
    ).get(runId) as { experiment_id: number; layer_indices_json: string; vector_policy_json: string } | undefined;
    if (row === undefined) this.fail('not-found', operation, `no run ${runId}`);
    const layerIndices = parseLayerIndices(row.layer_indices_json);
    const policy = parseVectorPolicy(row.vector_policy_json);
    const shape: RunShape = {
      experimentId: row.experiment_id,
      layerIndices,
      keepVector: layerIndices.map((layer) => keepsLayerVector(policy, layer)),
    };
    this.runShapes.set(runId, shape);
    return shape;
  }

  private touchExperiment(experimentId: number): void {
    this.statement('UPDATE experiments SET last_activity_at = ? WHERE id = ?').run(
      new Date().toISOString(),
      experimentId,
    );
  }

  /** A writer on another machine cannot be checked, so it is assumed alive; no recorded writer means none. */
  private writerMayBeAlive(row: WriterRow): boolean {
    if (row.writer_pid === null) return false;
    if (row.writer_host !== hostname()) return true;
    return row.writer_pid === process.pid || isProcessAlive(row.writer_pid);
  }

  private checkLayerList(operation: string, layers: readonly number[]): void {
    const valid = layers.length > 0 && layers.every((layer) => Number.isInteger(layer) && layer >= 0);
    if (!valid || new Set(layers).size !== layers.length) {
      this.fail('invalid-input', operation, 'layer indices must be distinct whole numbers, at least one');
    }
  }

  private checkVectors(operation: string, vectors: readonly Float32Array[], layerCount: number): void {
    if (vectors.length !== layerCount) {
      this.fail('invalid-input', operation, `${vectors.length} vectors for ${layerCount} layers`);
    }
    const width = vectors[0]?.length ?? 0;
    if (width === 0 || vectors.some((vector) => vector.length !== width)) {
      this.fail('invalid-input', operation, 'vectors must be non-empty and all of the same length');
    }
  }
}
