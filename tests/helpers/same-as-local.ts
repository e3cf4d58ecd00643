import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

const TOLERANCE = 1e-6;

/** Every number in `actual` within TOLERANCE of the one at the same place in `expected`; everything else equal. */
function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${where}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length, `${where}: length`).toBe(expected.length);
    expected.forEach((item, i) => expectClose((actual as unknown[])[i], item, `${where}[${i}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    expect(Object.keys(actual as object).sort(), `${where}: keys`).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
  } else {
    expect(actual, where).toEqual(expected);
  }
}

/** Each run's dataset indices in stored position order, of the newest experiment in a history. */
function storedSampleOrder(dbPath: string): Record<string, number[]> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT r.name, s.dataset_index FROM samples s JOIN runs r ON r.id = s.run_id
         WHERE r.experiment_id = (SELECT max(id) FROM experiments) ORDER BY r.run_index, s.position`,
      )
      .all() as { name: string; dataset_index: number }[];
    const order: Record<string, number[]> = {};
    for (const row of rows) (order[row.name] ??= []).push(row.dataset_index);
    return order;
  } finally {
    db.close();
  }
}

/**
 * A merged experiment equals the same experiment run locally: identical raw_outputs and sample order, the
 * divergence analytics within 1e-6. Returns the merged results.json.
 */
export function expectSameAsLocal(merged: { report: string; db: string }, local: { report: string; db: string }): Record<string, unknown> {
  const read = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Record<string, unknown>;
  const mergedResults = read(merged.report);
  const localResults = read(local.report);
  expect(mergedResults['raw_outputs']).toEqual(localResults['raw_outputs']);
  expectClose(mergedResults['divergence'], localResults['divergence'], 'divergence');
  const order = storedSampleOrder(merged.db);
  expect(Object.values(order).every((indices) => indices.length > 0)).toBe(true);
  expect(order).toEqual(storedSampleOrder(local.db));
  return mergedResults;
}
