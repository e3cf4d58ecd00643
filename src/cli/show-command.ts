import type { Command } from 'commander';
import { holmAdjustIfTested, mean } from '../analytics/summary-stats.js';
import { SIGNIFICANCE_LEVEL } from '../experiments/divergence-json.js';
import { localDateTime } from '../report/local-time.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ComparisonRecord, ExperimentDetail, RunRecord } from '../store/types.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { addDbOption, withHistory, type DbOption } from './store-option.js';
import { formatTable, layerRanges, metric, shortDuration } from './text-table.js';
import { stringifyJsonExact } from '../config/exact-json.js';

interface ShowOptions extends DbOption {
  json?: boolean;
}

/** One compared pair of an experiment, summarised over its layers. */
interface PairSummary {
  run_a: string;
  run_b: string;
  layers: number;
  mean_cosine: number;
  mean_l2: number;
  lowest_cosine: { layer: number; cosine: number } | null;
  highest_l2: { layer: number; l2: number } | null;
  /** Layers whose permutation p-value stays below the significance level after Holm's correction; null untested. */
  differing_layers: number[] | null;
  n_permutations: number | null;
  /** Paired runs only. */
  mean_cka: number | null;
}

function pairSummaries(rows: readonly ComparisonRecord[]): PairSummary[] {
  const groups = new Map<string, ComparisonRecord[]>();
  for (const row of rows) {
    const key = `${row.runAId}:${row.runBId}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((pair) => {
    const first = pair[0] as ComparisonRecord;
    const lowest = pair.reduce((best, row) => (row.cosine < best.cosine ? row : best));
    const highest = pair.reduce((best, row) => (row.l2 > best.l2 ? row : best));
    const tested = holmAdjustIfTested(pair.map((row) => row.pValue));
    const ckas = pair.flatMap((row) => (row.cka === null ? [] : [row.cka]));
    return {
      run_a: first.runAName,
      run_b: first.runBName,
      layers: pair.length,
      mean_cosine: mean(pair.map((row) => row.cosine)),
      mean_l2: mean(pair.map((row) => row.l2)),
      lowest_cosine: { layer: lowest.layer, cosine: lowest.cosine },
      highest_l2: { layer: highest.layer, l2: highest.l2 },
      differing_layers: tested === null ? null : pair.filter((_, k) => (tested[k] as number) < SIGNIFICANCE_LEVEL).map((row) => row.layer),
      n_permutations: first.nPermutations,
      mean_cka: ckas.length === 0 ? null : mean(ckas),
    };
  });
}

function describeVectorPolicy(policy: VectorPolicy): string {
  if (policy === 'all') return 'all layers, every sample';
  if (policy === 'means') return 'run means only';
  return `layers ${layerRanges(policy.layers)}, every sample`;
}

function runRow(run: RunRecord): string[] {
  return [
    `#${run.runIndex + 1}`,
    run.name,
    run.datasetName,
    run.promptName,
    run.seed === null ? '-' : String(run.seed),
    `${run.completedSamples}/${run.numSamplesPlanned}`,
    layerRanges(run.layerIndices),
    run.status,
  ];
}

function pairLine(pair: PairSummary): string {
  const parts = [
    `mean cosine ${metric(pair.mean_cosine)}, mean L2 ${metric(pair.mean_l2)}`,
    pair.lowest_cosine === null ? null : `lowest cosine at layer ${pair.lowest_cosine.layer} (${metric(pair.lowest_cosine.cosine)})`,
    pair.highest_l2 === null ? null : `highest L2 at layer ${pair.highest_l2.layer} (${metric(pair.highest_l2.l2)})`,
    pair.differing_layers === null
      ? null
      : `${pair.differing_layers.length} of ${pair.layers} layers differ (permutation test, ${pair.n_permutations ?? '?'} permutations, Holm p < ${SIGNIFICANCE_LEVEL})`,
    pair.mean_cka === null ? null : `paired, mean CKA ${metric(pair.mean_cka)}`,
  ];
  return `  ${pair.run_a} vs ${pair.run_b}: ${parts.filter((part) => part !== null).join('; ')}`;
}

function showText(experiment: ExperimentDetail, pairs: readonly PairSummary[]): string {
  const lines = [
    `Experiment ${experiment.id} (${experiment.uid}): ${experiment.name}`,
    `  status     ${experiment.status}${experiment.error ? ` (${experiment.error})` : ''}`,
    `  started    ${localDateTime(new Date(experiment.startedAt))}, duration ${shortDuration(experiment.durationS)}`,
    `  model      ${experiment.modelName ?? '-'}${experiment.demoModel ? ' (demo model, random weights)' : ''}${experiment.modelHash ? `, sha256 ${experiment.modelHash.slice(0, 16)}` : ''}`,
    `  capture    ${experiment.hook ?? '-'}, ${experiment.pooling ?? '-'} pooling, on ${experiment.executionProvider ?? '-'}`,
    `  vectors    ${describeVectorPolicy(experiment.vectorPolicy)}`,
    `  source     ${experiment.source === 'cotlab-import' ? `imported from ${experiment.sourcePath ?? '?'}` : `CoTLab Workbench ${experiment.appVersion ?? ''}`.trimEnd()}`,
    `  report     ${experiment.outputDir ?? '-'}`,
    '',
    'Runs:',
    formatTable(['', 'RUN', 'DATASET', 'PROMPT', 'SEED', 'SAMPLES', 'LAYERS', 'STATUS'], experiment.runs.map(runRow), [4, 5])
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    '',
    pairs.length === 0 ? 'No compared pairs stored.' : 'Pairs:',
    ...pairs.map(pairLine),
  ];
  return `${lines.join('\n')}\n`;
}

function showJson(store: HistoryStore, experiment: ExperimentDetail, pairs: PairSummary[]) {
  return { ...experiment, pairs, comparisons: store.getComparisons(experiment.id) };
}

export function registerShowCommand(program: Command): void {
  const command = program
    .command('show')
    .description('Show one experiment of the history: its settings, runs and a summary of each compared pair.')
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix')
    .option('--json', 'print the experiment, its runs, pair summaries and per-layer comparison rows as JSON');
  addDbOption(command).action(async (ref: string, options: ShowOptions) => {
    const text = await withHistory(options, 'read', (store) => {
      const experiment = store.getExperiment(store.resolveExperimentRef(ref));
      const pairs = pairSummaries(store.getComparisons(experiment.id));
      return options.json === true
        ? `${stringifyJsonExact(showJson(store, experiment, pairs), 2)}\n`
        : showText(experiment, pairs);
    });
    process.stdout.write(text);
  });
}
