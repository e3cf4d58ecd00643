import type Database from 'better-sqlite3';
import { listExperiments, statusCounts } from './list-experiments.js';
import {
  comparisonFromRow,
  decodeVector,
  experimentFromRow,
  layerMeanFromRow,
  pairFromRow,
  parseLayerIndices,
  probeFromRow,
  parseVectorPolicy,
  runFromRow,
  sampleFromRow,
  tagsJsonSql,
  type ComparisonRow,
  type ExperimentRow,
  type LayerMeanRow,
  type PairRow,
  type ProbeRow,
  type RunRow,
  type SampleRow,
} from './rows.js';
import { newStoreError, toStoreError, type StoreErrorReason } from './store-error.js';
import type {
  ComparisonRecord,
  ExperimentDetail,
  ExperimentPage,
  ExperimentStatus,
  LayerMeanRecord,
  ListExperimentsQuery,
  PairRecord,
  StoredProbe,
  StoredSample,
} from './types.js';
import { keepsLayerVector } from './vector-policy.js';

/** What recordSample needs to know about a run; fixed once the run exists, so it is cached. */
export interface RunShape {
  experimentId: number;
  layerIndices: number[];
  /** Per position in layerIndices: whether that layer's vector is stored. */
  keepVector: boolean[];
}

const EXPERIMENT_COLUMNS = `id, uid, name, status, source, source_path, config_json, vector_policy_json, started_at,
  ended_at, duration_s, last_activity_at, model_name, model_dir, model_hash, demo_model, execution_provider,
  execution_provider_note, hook, pooling, app_version, output_dir, error, writer_pid, writer_host, runtime_json, notes,
  ${tagsJsonSql('experiments.id')} AS tags_json, cluster_json`;

const RUN_COLUMNS = `id, experiment_id, run_index, name, dataset_name, dataset_path, dataset_hash, prompt_name,
  prompt_options_json, system_prompt, seed, seed_text, num_samples_planned, sample_indices_json, layer_indices_json,
  status, completed_samples`;

/**
 * The experiment history as it is read: experiments, their runs, per-sample vectors, layer means, comparisons and
 * each pair's findings. Browsing commands and the UI's history calls need nothing more; a history opened read-only
 * is handed out as this type, so nothing can try to write to it. HistoryStore adds the writes.
 */
export class HistoryReader {
  readonly dbPath: string;
  protected readonly db: Database.Database;
  protected readonly statements = new Map<string, Database.Statement>();
  protected readonly runShapes = new Map<number, RunShape>();

  constructor(db: Database.Database, dbPath: string) {
    this.db = db;
    this.dbPath = dbPath;
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  listExperiments(query: ListExperimentsQuery): ExperimentPage {
    return this.guard('list experiments', () => listExperiments(this.db, query));
  }

  /** How many experiments have each status, over the whole history; statuses no experiment has are left out. */
  statusCounts(): Array<{ status: ExperimentStatus; count: number }> {
    return this.guard('count experiments by status', () => statusCounts(this.db));
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

  /** The experiments that belong to cluster plan `planId` (its shards, or merges of it), or to any plan (null), oldest first. */
  experimentsOfPlan(planId: string | null): number[] {
    return this.guard(`find the experiments of ${planId === null ? 'cluster plans' : `plan ${planId}`}`, () =>
      (
        this.statement(
          `SELECT id FROM experiments WHERE cluster_json IS NOT NULL AND (? IS NULL OR json_extract(cluster_json, '$.plan_id') = ?)
           ORDER BY id`,
        ).all(planId, planId) as { id: number }[]
      ).map((row) => row.id),
    );
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

  /**
   * The stored vectors of one layer of a run from sample position `fromPosition` on, with their positions, in
   * position order: how far a running run got, read a little at a time.
   */
  getRunVectorsSince(runId: number, layer: number, fromPosition: number): Array<{ position: number; vector: Float32Array }> {
    const operation = `read layer ${layer} vectors of run ${runId} from sample ${fromPosition}`;
    return this.guard(operation, () => {
      const shape = this.runShape(operation, runId);
      const index = shape.layerIndices.indexOf(layer);
      if (index < 0 || !shape.keepVector[index]) return [];
      const rows = this.statement(
        `SELECT s.position, v.vector FROM samples s JOIN sample_vectors v ON v.sample_id = s.id AND v.layer = ?
         WHERE s.run_id = ? AND s.position >= ? ORDER BY s.position`,
      ).all(layer, runId, fromPosition) as { position: number; vector: Buffer }[];
      return rows.map((row) => ({ position: row.position, vector: decodeVector('sample_vectors.vector', row.vector) }));
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

  /** Comparison rows of an experiment, ordered by run A, run B (run order) and layer. */
  getComparisons(experimentId: number): ComparisonRecord[] {
    const operation = `read comparisons of experiment ${experimentId}`;
    return this.guard(operation, () => {
      this.requireExperiment(operation, experimentId);
      const rows = this.statement(
        `SELECT c.run_a_id, c.run_b_id, a.name AS run_a_name, b.name AS run_b_name, c.layer, c.cosine, c.l2,
                c.centred_cosine, c.relative_l2, c.cosine_ci_low, c.cosine_ci_high, c.l2_ci_low, c.l2_ci_high,
                c.p_value, c.n_permutations, c.cka, c.p_value_holm, c.l2_noise_floor, c.l2_debiased, c.cohens_d_held_out
         FROM comparisons c JOIN runs a ON a.id = c.run_a_id JOIN runs b ON b.id = c.run_b_id
         WHERE c.experiment_id = ?
         ORDER BY a.run_index, b.run_index, c.layer`,
      ).all(experimentId) as ComparisonRow[];
      return rows.map(comparisonFromRow);
    });
  }

  /** The findings and analysis settings of an experiment's compared pairs, in run order. */
  getPairs(experimentId: number): PairRecord[] {
    const operation = `read the compared pairs of experiment ${experimentId}`;
    return this.guard(operation, () => {
      this.requireExperiment(operation, experimentId);
      const rows = this.statement(
        `SELECT p.run_a_id, p.run_b_id, a.name AS run_a_name, b.name AS run_b_name, p.findings_json, p.analysis_json
         FROM pair_findings p JOIN runs a ON a.id = p.run_a_id JOIN runs b ON b.id = p.run_b_id
         WHERE p.experiment_id = ?
         ORDER BY a.run_index, b.run_index`,
      ).all(experimentId) as PairRow[];
      return rows.map(pairFromRow);
    });
  }

  /** The probes made of an experiment's runs, oldest first. */
  getProbes(experimentId: number): StoredProbe[] {
    const operation = `read the probes of experiment ${experimentId}`;
    return this.guard(operation, () => {
      this.requireExperiment(operation, experimentId);
      const rows = this.statement(
        `SELECT p.id, p.run_id, r.name AS run_name, p.label_field, p.created_at, p.record_json
         FROM probes p JOIN runs r ON r.id = p.run_id WHERE p.experiment_id = ? ORDER BY p.id`,
      ).all(experimentId) as ProbeRow[];
      return rows.map(probeFromRow);
    });
  }

  // ------------------------------------------------------------------------------------------------ internals

  protected statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  protected guard<T>(operation: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw toStoreError(error, this.dbPath, operation);
    }
  }

  protected fail(reason: StoreErrorReason, operation: string, detail: string): never {
    throw newStoreError(reason, this.dbPath, operation, detail);
  }

  protected requireExperiment(operation: string, experimentId: number): ExperimentRow {
    const row = this.statement(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?`).get(experimentId) as
      | ExperimentRow
      | undefined;
    if (row === undefined) this.fail('not-found', operation, `no experiment ${experimentId}`);
    return row;
  }

  protected runShape(operation: string, runId: number): RunShape {
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
}
