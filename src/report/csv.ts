import { analysisFor, layerRows, type LayerRow } from '../analytics/layer-rows.js';
import type { PairAnalysis } from '../analytics/divergence.js';
import { findingsOfPair, type PairFindings } from '../results/findings.js';
import type { ProbeLayerRecord, ProbeRecord } from '../results/probe-record.js';
import { describeEntries, distinguishingEntries, type NamedRunSettings } from '../results/run-settings.js';
import type { Comparison } from '../results/types.js';

/** What tells a run apart from the others, by run name ('' for a run without recorded settings). */
type RunPhrases = ReadonlyMap<string, string>;

const COLUMNS: ReadonlyArray<readonly [string, (row: LayerRow, phrases: RunPhrases) => string | number | null]> = [
  ['pair', (row) => row.pair],
  ['run_a', (row) => row.runA],
  ['run_b', (row) => row.runB],
  ['run_a_set_apart_by', (row, phrases) => phrases.get(row.runA) ?? ''],
  ['run_b_set_apart_by', (row, phrases) => phrases.get(row.runB) ?? ''],
  ['layer', (row) => row.layer],
  ['cosine', (row) => row.cosine],
  ['l2', (row) => row.l2],
  ['centred_cosine', (row) => row.centredCosine],
  ['relative_l2', (row) => row.relativeL2],
  ['l2_noise_floor', (row) => row.l2NoiseFloor],
  ['l2_debiased', (row) => row.l2Debiased],
  ['cosine_ci_low', (row) => row.cosineCi?.low ?? null],
  ['cosine_ci_high', (row) => row.cosineCi?.high ?? null],
  ['l2_ci_low', (row) => row.l2Ci?.low ?? null],
  ['l2_ci_high', (row) => row.l2Ci?.high ?? null],
  ['p_value', (row) => row.pValue],
  ['p_value_holm', (row) => row.pValueHolm],
  ['cka', (row) => row.cka],
  ['cohens_d_held_out', (row) => row.cohensDHeldOut],
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. Text starting with
 * = + - @ or a tab/CR is prefixed with ' so spreadsheet programs show it instead of running it as a formula.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Per-layer metrics of every compared pair as CSV (header row, CRLF line ends), each run with the settings that set
 * it apart from the others (`runSettings`, by run name). Columns beyond cosine and L2 are empty for pairs without an
 * analysis; cka is empty for unpaired analyses.
 */
export function metricsCsv(
  comparisons: readonly Comparison[],
  analyses: readonly PairAnalysis[],
  findings: readonly PairFindings[],
  runSettings: readonly NamedRunSettings[],
): string {
  const distinguishing = distinguishingEntries(runSettings.map((run) => run.settings));
  const phrases: RunPhrases = new Map(runSettings.map((run, i) => [run.name, describeEntries(distinguishing[i] ?? [])]));
  const lines = [COLUMNS.map(([name]) => name).join(',')];
  for (const comparison of comparisons) {
    const pairFindings = findingsOfPair(findings, comparison.run_a, comparison.run_b);
    for (const row of layerRows(comparison, analysisFor(comparison, analyses), pairFindings)) {
      lines.push(COLUMNS.map(([, read]) => csvField(read(row, phrases))).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

const PROBE_COLUMNS: ReadonlyArray<readonly [string, (probe: ProbeRecord, layer: ProbeLayerRecord) => string | number | null]> = [
  ['run', (probe) => probe.run],
  ['label_field', (probe) => probe.label_field],
  ['layer', (_, layer) => layer.layer],
  ['accuracy', (_, layer) => layer.accuracy],
  ['accuracy_ci_low', (_, layer) => layer.accuracy_ci[0]],
  ['accuracy_ci_high', (_, layer) => layer.accuracy_ci[1]],
  ['balanced_accuracy', (_, layer) => layer.balanced_accuracy],
  ['macro_f1', (_, layer) => layer.macro_f1],
  ['majority_accuracy', (_, layer) => layer.majority_accuracy],
  ['control_accuracy', (_, layer) => layer.control_accuracy],
  ['selectivity', (_, layer) => layer.selectivity],
  ['p_value', (_, layer) => layer.p_value],
  ['p_value_holm', (_, layer) => layer.p_value_holm],
  ['beyond_chance', (probe, layer) => (probe.layers_beyond_chance.includes(layer.layer) ? 1 : 0)],
];

/** Per-layer probe scores of every stored probe as CSV (header row, CRLF line ends). */
export function probingCsv(probes: readonly ProbeRecord[]): string {
  const lines = [PROBE_COLUMNS.map(([name]) => name).join(',')];
  for (const probe of probes) {
    for (const layer of probe.layers) lines.push(PROBE_COLUMNS.map(([, read]) => csvField(read(probe, layer))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
