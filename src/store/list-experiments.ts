import type Database from 'better-sqlite3';
import { z } from 'zod';
import { StoredValueError } from './store-error.js';
import { parseTags, tagsJsonSql, type ExperimentRow } from './rows.js';
import type { ExperimentListItem, ExperimentPage, ListExperimentsQuery } from './types.js';

interface ListRow
  extends Pick<
    ExperimentRow,
    | 'id'
    | 'uid'
    | 'name'
    | 'status'
    | 'source'
    | 'started_at'
    | 'model_name'
    | 'demo_model'
    | 'pooling'
    | 'duration_s'
    | 'error'
    | 'notes'
    | 'tags_json'
  > {
  variants_json: string;
  total_samples: number;
}

const VariantNamesSchema = z.array(z.string());

/** LIKE treats % and _ as wildcards; a search for "50%" must match the text "50%". */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Filters are added only when given, so SQLite can walk experiments_by_start (or experiments_by_status_start)
 * in order and stop after `limit` rows instead of sorting the whole table.
 */
function whereClause(query: ListExperimentsQuery): { sql: string; params: Record<string, string> } {
  const conditions: string[] = [];
  const params: Record<string, string> = {};
  if (query.status !== undefined && query.status !== null) {
    conditions.push('e.status = :status');
    params.status = query.status;
  }
  const search = query.search?.trim() ?? '';
  if (search !== '') {
    params.pattern = likePattern(search);
    conditions.push(`(
      e.name LIKE :pattern ESCAPE '\\' OR e.uid LIKE :pattern ESCAPE '\\' OR e.model_name LIKE :pattern ESCAPE '\\'
      OR e.hook LIKE :pattern ESCAPE '\\' OR e.pooling LIKE :pattern ESCAPE '\\' OR e.notes LIKE :pattern ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.id AND t.tag LIKE :pattern ESCAPE '\\')
      OR EXISTS (
        SELECT 1 FROM runs r WHERE r.experiment_id = e.id AND (
          r.name LIKE :pattern ESCAPE '\\' OR r.dataset_name LIKE :pattern ESCAPE '\\'
          OR r.dataset_path LIKE :pattern ESCAPE '\\' OR r.prompt_name LIKE :pattern ESCAPE '\\'
          OR r.prompt_options_json LIKE :pattern ESCAPE '\\')))`);
  }
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
}

/** How many experiments of the whole history have each status; statuses no experiment has are left out. */
export function statusCounts(db: Database.Database): Array<{ status: ExperimentListItem['status']; count: number }> {
  return db
    .prepare('SELECT status, count(*) AS count FROM experiments GROUP BY status ORDER BY status')
    .all() as Array<{ status: ExperimentListItem['status']; count: number }>;
}

/** One page of the history, newest first, with run names and sample totals gathered for that page only. */
export function listExperiments(db: Database.Database, query: ListExperimentsQuery): ExperimentPage {
  const where = whereClause(query);
  const total = db.prepare(`SELECT count(*) AS total FROM experiments e ${where.sql}`).get(where.params) as {
    total: number;
  };
  const rows = db
    .prepare(
      `WITH page AS (
         SELECT e.id, e.uid, e.name, e.status, e.source, e.started_at, e.model_name, e.demo_model, e.pooling,
                e.duration_s, e.error, e.notes, ${tagsJsonSql('e.id')} AS tags_json
         FROM experiments e ${where.sql}
         ORDER BY e.started_at DESC, e.id DESC
         LIMIT :limit OFFSET :offset)
       SELECT page.*,
              (SELECT json_group_array(r.name ORDER BY r.run_index) FROM runs r WHERE r.experiment_id = page.id)
                AS variants_json,
              (SELECT coalesce(sum(r.completed_samples), 0) FROM runs r WHERE r.experiment_id = page.id)
                AS total_samples
       FROM page
       ORDER BY page.started_at DESC, page.id DESC`,
    )
    .all({ ...where.params, limit: query.limit, offset: query.offset ?? 0 }) as ListRow[];
  return { total: total.total, items: rows.map(listItemFromRow) };
}

function listItemFromRow(row: ListRow): ExperimentListItem {
  const variants = VariantNamesSchema.safeParse(JSON.parse(row.variants_json));
  if (!variants.success) throw new StoredValueError('runs.name', 'run names could not be read');
  return {
    id: row.id,
    uid: row.uid,
    name: row.name,
    status: row.status,
    source: row.source,
    startedAt: row.started_at,
    modelName: row.model_name,
    demoModel: row.demo_model === 1,
    pooling: row.pooling,
    variants: variants.data,
    totalSamples: row.total_samples,
    durationS: row.duration_s,
    error: row.error,
    notes: row.notes,
    tags: parseTags(row.tags_json),
  };
}
