import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { stringifyJsonExact } from '../config/exact-json.js';
import { pairFindings } from '../results/findings.js';
import { cotlabTime, type CotlabResults } from './cotlab-results.js';
import { newExperimentUid } from './experiment-uid.js';
import { insertLayerMeans, upsertPair, type StatementSource } from './row-writes.js';
import { seedColumns } from './seed-columns.js';
import type { VectorPolicy } from './vector-policy.js';

/** CoTLab writes no vectors, only the norms of the run means. */
const IMPORT_POLICY: VectorPolicy = 'means';

/** sha256 of the results as parsed: the same file gives the same hash wherever and however often it is imported. */
export function cotlabResultsHash(json: unknown): string {
  return createHash('sha256').update(stringifyJsonExact(json)).digest('hex');
}

/**
 * The experiment already imported from these results, if any: the same content, or (for imports recorded before
 * the history kept content hashes) the same start time, name and model.
 */
export function findImportedExperiment(statement: StatementSource, results: CotlabResults, sourceHash: string): number | null {
  const row = statement(
    `SELECT id FROM experiments WHERE source = 'cotlab-import'
       AND (source_hash = ? OR (source_hash IS NULL AND started_at IN (?, ?) AND name = ? AND model_name = ?))
     ORDER BY id LIMIT 1`,
  ).get(
    sourceHash,
    cotlabTime(results.metadata.start_time).toISOString(),
    new Date(results.metadata.start_time).toISOString(),
    results.experiment,
    results.model,
  ) as { id: number } | undefined;
  return row?.id ?? null;
}

/**
 * Inserts validated CoTLab results as a completed experiment: config, runs with their mean-activation norms, and
 * each compared pair with its per-layer rows (none when CoTLab ran with store_per_layer false: then only the means
 * over layers) and findings. CoTLab hooks its own point ('cotlab'), not the residual stream. Call it inside a
 * transaction; returns the experiment id.
 */
export function insertCotlabExperiment(
  statement: StatementSource,
  results: CotlabResults,
  absoluteSourcePath: string,
  sourceHash: string,
): number {
  const startedAt = cotlabTime(results.metadata.start_time);
  const endedAt = cotlabTime(results.end_time).toISOString();
  const experiment = statement(
    `INSERT INTO experiments (uid, name, status, source, source_path, config_json, vector_policy_json,
       started_at, ended_at, duration_s, last_activity_at, model_name, hook, pooling, output_dir, source_hash)
     VALUES (?, ?, 'completed', 'cotlab-import', ?, ?, ?, ?, ?, ?, ?, ?, 'cotlab', ?, ?, ?)`,
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
    sourceHash,
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
    const cosines = comparison.layer_cosine_similarity ?? [];
    const distances = comparison.layer_l2_distance ?? [];
    const layers = comparison.layer_cosine_similarity === undefined ? [] : comparison.layer_indices;
    const values = layers.map((layer, index) => ({
      layer,
      cosine: cosines[index] as number,
      l2: distances[index] as number,
      pValue: null,
      centredCosine: null,
      relativeL2: null,
    }));
    upsertPair(statement, experimentId, {
      runAId: runIds.get(comparison.run_a) ?? -1,
      runBId: runIds.get(comparison.run_b) ?? -1,
      layers: values,
      findings: pairFindings(comparison.run_a, comparison.run_b, values, {
        cosine: comparison.mean_cosine_similarity,
        l2: comparison.mean_l2_distance,
      }),
      analysis: null,
    });
  }
  return experimentId;
}
