import type { Command } from 'commander';
import { compareStoredRuns, resolveRunRef, RUN_REF_SYNTAX, type StoredRunComparison } from '../experiments/compare-stored-runs.js';
import { pairRecord } from '../experiments/divergence-json.js';
import { addDbOption, withHistoryReader, type DbOption } from './store-option.js';
import { formatTable, metric } from './text-table.js';
import { stringifyJsonExact } from '../config/exact-json.js';
import { terminalText } from './terminal-text.js';

interface CompareOptions extends DbOption {
  json?: boolean;
}

function interval(value: [number, number] | null | undefined, digits: number): string {
  return value === null || value === undefined ? '-' : `${metric(value[0], digits)} to ${metric(value[1], digits)}`;
}

function compareText(result: StoredRunComparison): string {
  const analysed = result.analysis === null ? null : pairRecord(result.analysis, result.findings);
  const byLayer = new Map(analysed?.layers.map((layer) => [layer.layer, layer]));
  const header = `${result.runA} vs ${result.runB}: ${
    result.paired ? 'paired (same dataset file and samples)' : 'unpaired (different samples)'
  }`;
  const note =
    analysed === null
      ? 'No per-sample vectors are stored for both runs, so only the cosine and L2 of the run means are shown.'
      : `Intervals: ${analysed.confidence_level * 100}% bootstrap (${analysed.n_boot} resamples); p: permutation test (${analysed.n_perm} permutations), Holm-adjusted over layers; seed ${analysed.seed}.`;
  const rows = result.layers.map((layer) => {
    const extra = byLayer.get(layer.layer);
    return [
      String(layer.layer),
      metric(layer.cosine),
      metric(layer.l2),
      metric(layer.relativeL2),
      interval(extra?.cosine_ci, 4),
      interval(extra?.l2_ci, 3),
      metric(extra?.p_value_holm, 3),
      metric(extra?.cka),
      metric(extra?.cohens_d_held_out, 2),
    ];
  });
  const table = formatTable(
    ['LAYER', 'COSINE', 'L2', 'REL L2', 'COSINE CI', 'L2 CI', 'P (HOLM)', 'CKA', 'D (HELD-OUT)'],
    rows,
    [0, 1, 2, 3, 6, 7, 8],
  );
  return `${header}\n${table}\n${note}\n`;
}

function compareJson(result: StoredRunComparison) {
  return {
    run_a: result.runA,
    run_b: result.runB,
    paired: result.paired,
    layers: result.layers,
    findings: result.findings,
    divergence: result.analysis === null ? null : pairRecord(result.analysis, result.findings),
  };
}

export function registerCompareCommand(program: Command): void {
  const command = program
    .command('compare')
    .description(
      `Compare two stored runs layer by layer, also from different experiments (same model file, capture point, pooling and layers). A run is named ${RUN_REF_SYNTAX}. With per-sample vectors stored: relative L2, bootstrap intervals, permutation p-values, and CKA for paired runs.`,
    )
    .argument('<run-a>', 'first run, e.g. 12:histopathology')
    .argument('<run-b>', 'second run, e.g. 13:radiology')
    .option('--json', 'print the comparison as JSON');
  addDbOption(command).action(async (refA: string, refB: string, options: CompareOptions) => {
    const text = await withHistoryReader(options, (store) => {
      const result = compareStoredRuns(store, resolveRunRef(store, refA), resolveRunRef(store, refB));
      return options.json === true ? `${stringifyJsonExact(compareJson(result), 2)}\n` : compareText(result);
    });
    process.stdout.write(terminalText(text));
  });
}
