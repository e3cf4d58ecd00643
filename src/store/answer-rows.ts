/**
 * What schema version 4 adds to a sample (its text and prompt, its generated answer, its logit lens) and to an
 * experiment (findings computed once when it finished): how those rows are written and read.
 */
import { stringifyJsonExact, parseJsonExact } from '../config/exact-json.js';
import type { DecisionValue, ParseStatus, SampleAnswer, StopReasonName } from '../results/answers.js';
import type { StatementSource } from './row-writes.js';

/** The lens at one layer of one sample, as stored. */
export interface LensLayerRecord {
  layer: number;
  topTokenIds: number[];
  topProbs: number[];
  goldToken: number;
  goldRank: number;
  goldProb: number;
}

/** What a sample may carry beyond its vectors. */
export interface SampleExtras {
  texts?: { text: string; prompt: string } | null;
  answer?: SampleAnswer | null;
  lens?: readonly LensLayerRecord[] | null;
}

/** A stored sample's answer with where it stands in its run and what it was given. */
export interface StoredAnswer extends SampleAnswer {
  position: number;
  datasetIndex: number;
  /** The sample's text and the full prompt fed to the model; null when they were not kept. */
  text: string | null;
  prompt: string | null;
}

export interface StoredLens extends LensLayerRecord {
  position: number;
  datasetIndex: number;
}

export type FindingsKind = 'classification' | 'logit_lens' | 'answer_split';

export function insertSampleExtras(statement: StatementSource, sampleId: number, extras: SampleExtras): void {
  if (extras.texts) {
    statement('INSERT INTO sample_texts (sample_id, text, prompt) VALUES (?, ?, ?)').run(sampleId, extras.texts.text, extras.texts.prompt);
  }
  const answer = extras.answer;
  if (answer) {
    statement(
      `INSERT INTO sample_answers (sample_id, raw_output, generated_tokens, stop_reason, parse_status, parse_detail,
         parsed_value_json, predicted, gold, correct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      sampleId,
      answer.rawOutput,
      answer.generatedTokens,
      answer.stopReason,
      answer.parseStatus,
      answer.parseDetail,
      answer.parsedValue === null ? null : JSON.stringify(answer.parsedValue),
      answer.predicted,
      answer.gold,
      answer.correct === null ? null : answer.correct ? 1 : 0,
    );
  }
  const insertLens = statement(
    `INSERT INTO sample_lens (sample_id, layer, top_token_ids_json, top_probs_json, gold_token, gold_rank, gold_prob)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const layer of extras.lens ?? []) {
    insertLens.run(sampleId, layer.layer, JSON.stringify(layer.topTokenIds), JSON.stringify(layer.topProbs), layer.goldToken, layer.goldRank, layer.goldProb);
  }
}

interface AnswerRow {
  position: number;
  dataset_index: number;
  text: string | null;
  prompt: string | null;
  raw_output: string;
  generated_tokens: number;
  stop_reason: StopReasonName;
  parse_status: ParseStatus;
  parse_detail: string | null;
  parsed_value_json: string | null;
  predicted: string | null;
  gold: string | null;
  correct: number | null;
}

/** Every answered sample of a run, in position order. */
export function selectRunAnswers(statement: StatementSource, runId: number): StoredAnswer[] {
  const rows = statement(
    `SELECT s.position, s.dataset_index, t.text, t.prompt, a.raw_output, a.generated_tokens, a.stop_reason, a.parse_status,
            a.parse_detail, a.parsed_value_json, a.predicted, a.gold, a.correct
     FROM samples s JOIN sample_answers a ON a.sample_id = s.id LEFT JOIN sample_texts t ON t.sample_id = s.id
     WHERE s.run_id = ? ORDER BY s.position`,
  ).all(runId) as AnswerRow[];
  return rows.map((row) => ({
    position: row.position,
    datasetIndex: row.dataset_index,
    text: row.text,
    prompt: row.prompt,
    rawOutput: row.raw_output,
    generatedTokens: row.generated_tokens,
    stopReason: row.stop_reason,
    parseStatus: row.parse_status,
    parseDetail: row.parse_detail,
    parsedValue: row.parsed_value_json === null ? null : (JSON.parse(row.parsed_value_json) as DecisionValue),
    predicted: row.predicted,
    gold: row.gold,
    correct: row.correct === null ? null : row.correct === 1,
  }));
}

interface LensRow {
  position: number;
  dataset_index: number;
  layer: number;
  top_token_ids_json: string;
  top_probs_json: string;
  gold_token: number;
  gold_rank: number;
  gold_prob: number;
}

/** Every lens row of a run, by position then layer. */
export function selectRunLens(statement: StatementSource, runId: number): StoredLens[] {
  const rows = statement(
    `SELECT s.position, s.dataset_index, l.layer, l.top_token_ids_json, l.top_probs_json, l.gold_token, l.gold_rank, l.gold_prob
     FROM samples s JOIN sample_lens l ON l.sample_id = s.id WHERE s.run_id = ? ORDER BY s.position, l.layer`,
  ).all(runId) as LensRow[];
  return rows.map((row) => ({
    position: row.position,
    datasetIndex: row.dataset_index,
    layer: row.layer,
    topTokenIds: JSON.parse(row.top_token_ids_json) as number[],
    topProbs: JSON.parse(row.top_probs_json) as number[],
    goldToken: row.gold_token,
    goldRank: row.gold_rank,
    goldProb: row.gold_prob,
  }));
}

export function upsertFindings(statement: StatementSource, experimentId: number, kind: FindingsKind, findings: unknown): void {
  statement(
    `INSERT INTO experiment_findings (experiment_id, kind, findings_json) VALUES (?, ?, ?)
     ON CONFLICT (experiment_id, kind) DO UPDATE SET findings_json = excluded.findings_json`,
  ).run(experimentId, kind, stringifyJsonExact(findings));
}

/** The stored findings of a kind, as parsed JSON (seeds exact); null when none were stored. */
export function selectFindings(statement: StatementSource, experimentId: number, kind: FindingsKind): unknown {
  const row = statement('SELECT findings_json FROM experiment_findings WHERE experiment_id = ? AND kind = ?').get(experimentId, kind) as
    | { findings_json: string }
    | undefined;
  return row === undefined ? null : parseJsonExact(row.findings_json);
}
