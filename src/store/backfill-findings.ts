import type Database from 'better-sqlite3';
import { parseJsonExact } from '../config/exact-json.js';
import type { AnalysisSettingsRecord } from '../results/analysis-settings.js';
import type { Seed } from '../results/seed.js';
import { meanOverLayers, pairFindings } from '../results/findings.js';
import { savePairFindings, type StatementSource } from './row-writes.js';
import { comparisonFromRow, type ComparisonRow } from './rows.js';
import type { ComparisonRecord } from './types.js';

/**
 * What histories before schema 3 used for every analysed pair: the engine's fixed settings then (1000 bootstrap
 * resamples at 95%, Holm at 0.05, the experiment's seed).
 */
const BEFORE_V3 = { n_boot: 1000, confidence_level: 0.95, significance_level: 0.05 } as const;

interface PairRunsRow {
  experiment_id: number;
  config_json: string;
  a_hash: string | null;
  b_hash: string | null;
  a_indices: string | null;
  b_indices: string | null;
}

function experimentSeed(configJson: string): Seed {
  const seed = (parseJsonExact(configJson) as { experiment?: { seed?: unknown } }).experiment?.seed;
  return typeof seed === 'bigint' || (typeof seed === 'number' && Number.isInteger(seed)) ? seed : 0;
}

function settingsBeforeV3(rows: readonly ComparisonRecord[], runs: PairRunsRow): AnalysisSettingsRecord | null {
  const first = rows[0];
  if (first === undefined || (first.cosineCiLow === null && first.pValue === null)) return null;
  const paired = runs.a_hash !== null && runs.a_hash === runs.b_hash && runs.a_indices !== null && runs.a_indices === runs.b_indices;
  return {
    n_boot: first.cosineCiLow === null ? 0 : BEFORE_V3.n_boot,
    confidence_level: BEFORE_V3.confidence_level,
    n_perm: first.nPermutations ?? 0,
    significance_level: BEFORE_V3.significance_level,
    seed: experimentSeed(runs.config_json),
    resampling: paired ? 'paired' : 'independent',
  };
}

/**
 * Schema 3 keeps each pair's findings; a history written before it gets them from its stored per-layer rows, the
 * same way a new run computes them.
 */
export function backfillPairFindings(db: Database.Database): void {
  const statement: StatementSource = (sql) => db.prepare(sql);
  const rows = db
    .prepare(
      `SELECT c.experiment_id, c.run_a_id, c.run_b_id, a.name AS run_a_name, b.name AS run_b_name, c.layer, c.cosine,
              c.l2, c.centred_cosine, c.relative_l2, c.cosine_ci_low, c.cosine_ci_high, c.l2_ci_low, c.l2_ci_high,
              c.p_value, c.n_permutations, c.cka, c.p_value_holm
       FROM comparisons c JOIN runs a ON a.id = c.run_a_id JOIN runs b ON b.id = c.run_b_id
       ORDER BY c.experiment_id, a.run_index, b.run_index, c.layer`,
    )
    .all() as Array<ComparisonRow & { experiment_id: number }>;
  const pairs = new Map<string, { experimentId: number; records: ComparisonRecord[] }>();
  for (const row of rows) {
    const key = `${row.experiment_id}:${row.run_a_id}:${row.run_b_id}`;
    const pair = pairs.get(key) ?? { experimentId: row.experiment_id, records: [] };
    pair.records.push(comparisonFromRow(row));
    pairs.set(key, pair);
  }
  const runsOf = db.prepare(
    `SELECT e.id AS experiment_id, e.config_json, a.dataset_hash AS a_hash, b.dataset_hash AS b_hash,
            a.sample_indices_json AS a_indices, b.sample_indices_json AS b_indices
     FROM experiments e, runs a, runs b WHERE e.id = ? AND a.id = ? AND b.id = ?`,
  );
  for (const { experimentId, records } of pairs.values()) {
    const first = records[0] as ComparisonRecord;
    const values = records.map((record) => ({
      layer: record.layer,
      cosine: record.cosine,
      l2: record.l2,
      pValue: record.pValue,
      centredCosine: record.centredCosine,
      relativeL2: record.relativeL2,
    }));
    const findings = pairFindings(first.runAName, first.runBName, values, {
      cosine: meanOverLayers(values.map((value) => value.cosine)),
      l2: meanOverLayers(values.map((value) => value.l2)),
    });
    const runs = runsOf.get(experimentId, first.runAId, first.runBId) as PairRunsRow;
    savePairFindings(statement, experimentId, {
      runAId: first.runAId,
      runBId: first.runBId,
      findings,
      analysis: settingsBeforeV3(records, runs),
    });
  }
}
