import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { stringifyJsonExact } from '../config/exact-json.js';
import { cotlabResultsHash, findImportedExperiment, insertCotlabExperiment } from './cotlab-import.js';
import { parseCotlabResults } from './cotlab-results.js';
import { newExperimentUid } from './experiment-uid.js';
import { HistoryReader } from './history-reader.js';
import type { ProbeRecord } from '../results/probe-record.js';
import { isProcessAlive } from './process-liveness.js';
import { insertLayerMeans, upsertPair, type StatementSource } from './row-writes.js';
import { experimentFromRow } from './rows.js';
import { seedColumns } from './seed-columns.js';
import type {
  AnnotationChange,
  Annotations,
  CotlabImport,
  ExperimentFinish,
  ExperimentStatus,
  NewExperiment,
  NewRun,
  PairInput,
  RunCompletion,
  SampleToRecord,
} from './types.js';
import type { ClusterRecord } from '../results/cluster.js';
import { float32ToBlob } from './vector-blob.js';
import { VectorPolicySchema } from './vector-policy.js';

/** Why an experiment left running by a process that is gone was marked interrupted (the History shows it). */
export const STALE_WRITER_ERROR = 'its process stopped before it finished (crashed or was killed); resume it to continue';

/** Notes are free text, but not a place for whole documents. */
export const MAX_NOTES_CHARS = 20_000;

/**
 * Why a tag cannot be stored, or null: 1 to 40 letters, digits or _ . : -, starting with a letter, digit or _
 * (so `+tag` and `-tag` can mean add and remove on the command line).
 */
export function tagProblem(tag: string): string | null {
  if (/^[\p{L}\p{N}_][\p{L}\p{N}_.:-]{0,39}$/u.test(tag)) return null;
  return `tag "${tag}" is not valid: use 1 to 40 letters, digits or _ . : -, starting with a letter, digit or _`;
}

interface WriterRow {
  id: number;
  status: ExperimentStatus;
  writer_pid: number | null;
  writer_host: string | null;
  started_at: string;
  last_activity_at: string;
}

/**
 * The experiment history opened for writing: what runs, resumes, deletions and imports write, on top of every read
 * (HistoryReader). Every write is one transaction, so a process killed at any instant leaves whole samples only.
 * Open it with openHistoryStore.
 */
export class HistoryStore extends HistoryReader {
  private readonly statementSource: StatementSource = (sql) => this.statement(sql);

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
           execution_provider_note, hook, pooling, app_version, output_dir, writer_pid, writer_host, runtime_json,
           cluster_json)
         VALUES (?, ?, 'running', 'workbench', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        input.cluster === undefined || input.cluster === null ? null : JSON.stringify(input.cluster),
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

  /** Stores compared pairs; a pair or layer row stored before for the same runs is replaced. */
  saveComparisons(experimentId: number, pairs: readonly PairInput[]): void {
    const operation = `save comparisons of experiment ${experimentId}`;
    this.write(operation, () => {
      this.transaction(() => {
        this.requireExperiment(operation, experimentId);
        const runIds = new Set(
          (this.statement('SELECT id FROM runs WHERE experiment_id = ?').all(experimentId) as { id: number }[]).map(
            (row) => row.id,
          ),
        );
        for (const pair of pairs) {
          for (const runId of [pair.runAId, pair.runBId]) {
            if (!runIds.has(runId)) {
              this.fail('invalid-input', operation, `run ${runId} does not belong to experiment ${experimentId}`);
            }
          }
          for (const row of pair.layers) {
            if (!Number.isFinite(row.cosine) || !Number.isFinite(row.l2)) {
              this.fail('invalid-input', operation, `cosine and L2 of layer ${row.layer} must be finite numbers`);
            }
          }
          upsertPair(this.statementSource, experimentId, pair);
        }
      });
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
        for (const row of stale) this.markInterrupted(row);
        return stale.map((row) => row.id);
      }),
    );
  }

  /** Replaces an experiment's cluster record (a shard records each process that takes it up). */
  setCluster(experimentId: number, cluster: ClusterRecord): void {
    const operation = `record the cluster shard of experiment ${experimentId}`;
    this.write(operation, () => {
      const updated = this.statement('UPDATE experiments SET cluster_json = ? WHERE id = ?').run(JSON.stringify(cluster), experimentId);
      if (updated.changes === 0) this.fail('not-found', operation, `no experiment ${experimentId}`);
    });
  }

  /**
   * Marks a running experiment interrupted because its writer, a process on another host that this one cannot
   * check, is known to be gone (a Slurm task requeued after its node failed). Only while that writer still owns it.
   */
  markWriterGone(experimentId: number, writer: { host: string; pid: number }): void {
    const operation = `take over experiment ${experimentId} from process ${writer.pid} on ${writer.host}`;
    this.write(operation, () =>
      this.transaction(() => {
        const row = this.statement(
          `SELECT id, status, writer_pid, writer_host, started_at, last_activity_at FROM experiments WHERE id = ?`,
        ).get(experimentId) as WriterRow | undefined;
        if (row === undefined) this.fail('not-found', operation, `no experiment ${experimentId}`);
        if (row.status !== 'running' || row.writer_host !== writer.host || row.writer_pid !== writer.pid) {
          this.fail('conflict', operation, 'it is no longer running under that process');
        }
        this.markInterrupted(row);
      }),
    );
  }

  /** A completed experiment's report folder was written (again): records where, and clears a report failure. */
  recordReportWritten(experimentId: number, outputDir: string): void {
    const operation = `record the report of experiment ${experimentId}`;
    this.write(operation, () => {
      const updated = this.statement(
        `UPDATE experiments SET output_dir = ?, error = NULL WHERE id = ? AND status = 'completed'`,
      ).run(outputDir, experimentId);
      if (updated.changes === 0) this.fail('conflict', operation, `experiment ${experimentId} is not a completed experiment`);
    });
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

  /** Stores a probe of one of the experiment's runs; returns its id. */
  saveProbe(experimentId: number, runId: number, record: ProbeRecord): number {
    const operation = `save a probe of experiment ${experimentId}`;
    return this.write(operation, () =>
      this.transaction(() => {
        this.requireExperiment(operation, experimentId);
        const run = this.statement('SELECT experiment_id FROM runs WHERE id = ?').get(runId) as { experiment_id: number } | undefined;
        if (run?.experiment_id !== experimentId) this.fail('invalid-input', operation, `run ${runId} does not belong to experiment ${experimentId}`);
        const result = this.statement(
          'INSERT INTO probes (experiment_id, run_id, label_field, created_at, record_json) VALUES (?, ?, ?, ?, ?)',
        ).run(experimentId, runId, record.label_field, record.created_at, stringifyJsonExact(record));
        return Number(result.lastInsertRowid);
      }),
    );
  }

  /**
   * Changes an experiment's notes and tags in one transaction (of any status: a running experiment can be noted
   * too) and returns them as now stored. Tags are checked first, so a bad one changes nothing.
   */
  annotateExperiment(experimentId: number, change: AnnotationChange): Annotations {
    const operation = `annotate experiment ${experimentId}`;
    return this.write(operation, () => {
      if (change.notes !== undefined && change.notes.length > MAX_NOTES_CHARS) {
        this.fail('invalid-input', operation, `notes are limited to ${MAX_NOTES_CHARS} characters`);
      }
      for (const tag of [...(change.addTags ?? []), ...(change.removeTags ?? [])]) {
        const problem = tagProblem(tag);
        if (problem !== null) this.fail('invalid-input', operation, problem);
      }
      return this.transaction(() => {
        this.requireExperiment(operation, experimentId);
        if (change.notes !== undefined) {
          this.statement('UPDATE experiments SET notes = ? WHERE id = ?').run(change.notes, experimentId);
        }
        const remove = this.statement('DELETE FROM experiment_tags WHERE experiment_id = ? AND tag = ?');
        for (const tag of change.removeTags ?? []) remove.run(experimentId, tag);
        const add = this.statement('INSERT INTO experiment_tags (experiment_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING');
        for (const tag of change.addTags ?? []) add.run(experimentId, tag);
        const stored = experimentFromRow(this.requireExperiment(operation, experimentId));
        return { notes: stored.notes, tags: stored.tags };
      });
    });
  }

  /**
   * Imports a parsed CoTLab activation_compare results.json (spec §1.7) as a completed experiment with source
   * `cotlab-import`: its config, runs with their mean-activation norms, and per-layer comparisons; CoTLab stores
   * no vectors. Importing a file already in the history (the same content) changes nothing and returns its
   * experiment.
   */
  importCotlabResults(json: unknown, sourcePath: string): CotlabImport {
    const operation = `import ${sourcePath}`;
    return this.write(operation, () => {
      const results = parseCotlabResults(json, sourcePath);
      const sourceHash = cotlabResultsHash(json);
      return this.transaction(() => {
        const existing = findImportedExperiment(this.statementSource, results, sourceHash);
        if (existing !== null) return { experimentId: existing, created: false };
        return { experimentId: insertCotlabExperiment(this.statementSource, results, resolve(sourcePath), sourceHash), created: true };
      });
    });
  }

  // ------------------------------------------------------------------------------------------------ internals

  /** IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy_timeout) instead of failing. */
  private transaction<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }

  private write<T>(operation: string, body: () => T): T {
    return this.guard(operation, body);
  }

  /** A running experiment whose writer is gone becomes interrupted, ended at its last stored sample. */
  private markInterrupted(row: WriterRow): void {
    const durationS = (Date.parse(row.last_activity_at) - Date.parse(row.started_at)) / 1000;
    this.statement(
      `UPDATE experiments SET status = 'interrupted', ended_at = last_activity_at, duration_s = ?,
         error = coalesce(error, ?) WHERE id = ?`,
    ).run(durationS, STALE_WRITER_ERROR, row.id);
    this.statement(`UPDATE runs SET status = 'interrupted' WHERE experiment_id = ? AND status = 'running'`).run(row.id);
  }

  private requireRunningExperiment(operation: string, experimentId: number): void {
    const row = this.requireExperiment(operation, experimentId);
    if (row.status !== 'running') this.fail('conflict', operation, `experiment ${experimentId} is ${row.status}`);
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
