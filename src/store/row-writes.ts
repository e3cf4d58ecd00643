import type Database from 'better-sqlite3';
import { stringifyJsonExact } from '../config/exact-json.js';
import { holmPValueAt } from '../results/findings.js';
import type { LayerComparisonInput, PairInput } from './types.js';

/** Hands out prepared statements (the store caches them by SQL text). */
export type StatementSource = (sql: string) => Database.Statement;

/** One run_layer_means row per layer; `means` holds encoded vectors, or null where only the norm is known. */
export function insertLayerMeans(
  statement: StatementSource,
  runId: number,
  layers: readonly number[],
  means: readonly (Buffer | null)[],
  norms: readonly number[],
  count: number,
): void {
  const insert = statement('INSERT INTO run_layer_means (run_id, layer, mean, norm, count) VALUES (?, ?, ?, ?, ?)');
  layers.forEach((layer, index) => insert.run(runId, layer, means[index] ?? null, norms[index], count));
}

/**
 * Inserts a compared pair (its per-layer rows, findings and analysis settings), or replaces every value stored for
 * the same pair and layer. The Holm-adjusted p-values are the findings'.
 */
export function upsertPair(statement: StatementSource, experimentId: number, pair: PairInput): void {
  for (const row of pair.layers) upsertComparison(statement, experimentId, pair, row, holmPValueAt(pair.findings, row.layer));
  upsertPairFindingsRow(statement, experimentId, pair);
}

/**
 * Stores the findings of a pair whose per-layer rows are already stored (as schema 3 found them), with their
 * Holm-adjusted p-values; the rows' other columns are left as they are.
 */
export function savePairFindings(statement: StatementSource, experimentId: number, pair: Omit<PairInput, 'layers'>): void {
  const update = statement(
    'UPDATE comparisons SET p_value_holm = ? WHERE experiment_id = ? AND run_a_id = ? AND run_b_id = ? AND layer = ?',
  );
  for (const layer of pair.findings.layers) {
    update.run(holmPValueAt(pair.findings, layer), experimentId, pair.runAId, pair.runBId, layer);
  }
  upsertPairFindingsRow(statement, experimentId, pair);
}

function upsertPairFindingsRow(statement: StatementSource, experimentId: number, pair: Omit<PairInput, 'layers'>): void {
  statement(
    `INSERT INTO pair_findings (experiment_id, run_a_id, run_b_id, findings_json, analysis_json) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (experiment_id, run_a_id, run_b_id) DO UPDATE SET
       findings_json = excluded.findings_json, analysis_json = excluded.analysis_json`,
  ).run(
    experimentId,
    pair.runAId,
    pair.runBId,
    JSON.stringify(pair.findings),
    pair.analysis === null ? null : stringifyJsonExact(pair.analysis),
  );
}

function upsertComparison(
  statement: StatementSource,
  experimentId: number,
  pair: Pick<PairInput, 'runAId' | 'runBId'>,
  row: LayerComparisonInput,
  pValueHolm: number | null,
): void {
  statement(
    `INSERT INTO comparisons (experiment_id, run_a_id, run_b_id, layer, cosine, l2, centred_cosine, relative_l2,
       cosine_ci_low, cosine_ci_high, l2_ci_low, l2_ci_high, p_value, n_permutations, cka, p_value_holm,
       l2_noise_floor, l2_debiased, cohens_d_held_out)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (experiment_id, run_a_id, run_b_id, layer) DO UPDATE SET
       cosine = excluded.cosine, l2 = excluded.l2, centred_cosine = excluded.centred_cosine,
       relative_l2 = excluded.relative_l2, cosine_ci_low = excluded.cosine_ci_low,
       cosine_ci_high = excluded.cosine_ci_high, l2_ci_low = excluded.l2_ci_low, l2_ci_high = excluded.l2_ci_high,
       p_value = excluded.p_value, n_permutations = excluded.n_permutations, cka = excluded.cka,
       p_value_holm = excluded.p_value_holm, l2_noise_floor = excluded.l2_noise_floor,
       l2_debiased = excluded.l2_debiased, cohens_d_held_out = excluded.cohens_d_held_out`,
  ).run(
    experimentId,
    pair.runAId,
    pair.runBId,
    row.layer,
    row.cosine,
    row.l2,
    row.centredCosine ?? null,
    row.relativeL2 ?? null,
    row.cosineCiLow ?? null,
    row.cosineCiHigh ?? null,
    row.l2CiLow ?? null,
    row.l2CiHigh ?? null,
    row.pValue ?? null,
    row.nPermutations ?? null,
    row.cka ?? null,
    pValueHolm,
    row.l2NoiseFloor ?? null,
    row.l2Debiased ?? null,
    row.cohensDHeldOut ?? null,
  );
}
