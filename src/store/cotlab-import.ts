import { dirname } from 'node:path';
import { stringifyJsonExact } from '../config/exact-json.js';
import type { CotlabResults } from './cotlab-results.js';
import { newExperimentUid } from './experiment-uid.js';
import { seedColumns } from './seed-columns.js';
import { insertLayerMeans, upsertComparison, type StatementSource } from './row-writes.js';
import type { VectorPolicy } from './vector-policy.js';

/** CoTLab writes no vectors, only the norms of the run means. */
const IMPORT_POLICY: VectorPolicy = 'means';

/** The experiment already imported from these results (same start time, name and model), if any. */
export function findImportedExperiment(statement: StatementSource, results: CotlabResults): number | null {
  const row = statement(
    `SELECT id FROM experiments WHERE source = 'cotlab-import' AND started_at = ? AND name = ? AND model_name = ?`,
  ).get(new Date(results.metadata.start_time).toISOString(), results.experiment, results.model) as
    | { id: number }
    | undefined;
  return row?.id ?? null;
}

/**
 * Inserts validated CoTLab results as a completed experiment: config, runs with their mean-activation norms, and
 * one comparison row per layer. CoTLab hooks its own point ('cotlab'), not the residual stream. Call it inside a
 * transaction; returns the experiment id.
 */
export function insertCotlabExperiment(
  statement: StatementSource,
  results: CotlabResults,
  absoluteSourcePath: string,
): number {
  const startedAt = new Date(results.metadata.start_time);
  const endedAt = new Date(results.end_time).toISOString();
  const experiment = statement(
    `INSERT INTO experiments (uid, name, status, source, source_path, config_json, vector_policy_json,
       started_at, ended_at, duration_s, last_activity_at, model_name, hook, pooling, output_dir)
     VALUES (?, ?, 'completed', 'cotlab-import', ?, ?, ?, ?, ?, ?, ?, ?, 'cotlab', ?, ?)`,
  ).run(
    newExperimentUid(startedAt),
    results.experiment,
    absoluteSourcePath,
    stringifyJsonExact(results.metadata.config),
    JSON.stringify(IMPORT_POLICY),
    startedAt.toISOString(),
    endedAt,
    results.duration_seconds,
    endedAt,
    results.model,
    results.metrics.pooling,
    dirname(absoluteSourcePath),
  );
  const experimentId = Number(experiment.lastInsertRowid);
  const runIds = new Map<string, number>();
  results.raw_outputs[0].runs.forEach((run, runIndex) => {
    const inserted = statement(
      `INSERT INTO runs (experiment_id, run_index, name, dataset_name, prompt_name, system_prompt, seed, seed_text,
         num_samples_planned, layer_indices_json, status, completed_samples)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?)`,
    ).run(
      experimentId,
      runIndex,
      run.name,
      run.dataset,
      run.prompt,
      run.system_prompt,
      seedColumns(run.seed).seed,
      seedColumns(run.seed).seedText,
      run.num_samples,
      JSON.stringify(run.layer_indices),
      run.num_samples,
    );
    const runId = Number(inserted.lastInsertRowid);
    runIds.set(run.name, runId);
    const noMeans = run.layer_indices.map(() => null);
    insertLayerMeans(statement, runId, run.layer_indices, noMeans, run.mean_activation_norms, run.num_samples);
  });
  for (const comparison of results.raw_outputs[0].comparisons) {
    // parseCotlabResults checked that both names are runs of this file and that the per-layer lists line up.
    const runAId = runIds.get(comparison.run_a) ?? -1;
    const runBId = runIds.get(comparison.run_b) ?? -1;
    comparison.layer_indices.forEach((layer, index) => {
      upsertComparison(statement, experimentId, {
        runAId,
        runBId,
        layer,
        cosine: comparison.layer_cosine_similarity[index] ?? Number.NaN,
        l2: comparison.layer_l2_distance[index] ?? Number.NaN,
      });
    });
  }
  return experimentId;
}
