import { describeProvenance } from '../results/cluster.js';
import type { Command } from 'commander';
import { mean } from '../analytics/summary-stats.js';
import type { LayerScore } from '../results/rankings.js';
import { localDateTime } from '../report/local-time.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ComparisonRecord, ExperimentDetail, PairRecord, RunRecord } from '../store/types.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { addDbOption, withHistoryReader, type DbOption } from './store-option.js';
import { storedRunsWithSettings } from '../experiments/stored-run-settings.js';
import { layerRanges } from '../results/layer-ranges.js';
import { describeEntries, distinguishingEntries } from '../results/run-settings.js';
import { formatTable, metric, shortDuration } from './text-table.js';
import { stringifyJsonExact } from '../config/exact-json.js';
import { terminalText } from './terminal-text.js';

interface ShowOptions extends DbOption {
  json?: boolean;
}

/** One compared pair of an experiment, as its findings and analysis settings were stored. */
interface PairSummary {
  run_a: string;
  run_b: string;
  layers: number;
  mean_cosine: number;
  mean_l2: number;
  lowest_cosine_layers: LayerScore[];
  highest_l2_layers: LayerScore[];
  /** Layers whose permutation p-value stays below the significance level after Holm's correction; null untested. */
  layers_beyond_chance: number[] | null;
  significance_level: number;
  n_permutations: number | null;
  /** Paired runs only. */
  mean_cka: number | null;
}

function pairSummaries(pairs: readonly PairRecord[], rows: readonly ComparisonRecord[]): PairSummary[] {
  return pairs.map(({ runAId, runBId, findings, analysis }) => {
    const ckas = rows.flatMap((row) => (row.runAId === runAId && row.runBId === runBId && row.cka !== null ? [row.cka] : []));
    return {
      run_a: findings.run_a,
      run_b: findings.run_b,
      layers: findings.layers.length,
      mean_cosine: findings.mean_cosine_similarity,
      mean_l2: findings.mean_l2_distance,
      lowest_cosine_layers: findings.lowest_cosine_layers,
      highest_l2_layers: findings.highest_l2_layers,
      layers_beyond_chance: findings.layers_beyond_chance,
      significance_level: findings.significance_level,
      n_permutations: analysis?.n_perm ?? null,
      mean_cka: ckas.length === 0 ? null : mean(ckas),
    };
  });
}

function describeVectorPolicy(policy: VectorPolicy): string {
  if (policy === 'all') return 'all layers, every sample';
  if (policy === 'means') return 'run means only';
  return `layers ${layerRanges(policy.layers)}, every sample`;
}

function runRow(run: RunRecord, setApartBy: string): string[] {
  return [
    `#${run.runIndex + 1}`,
    run.name,
    run.datasetName,
    run.promptName,
    run.seed === null ? '-' : String(run.seed),
    `${run.completedSamples}/${run.numSamplesPlanned}`,
    layerRanges(run.layerIndices),
    run.status,
    setApartBy === '' ? '-' : setApartBy,
  ];
}

function scores(list: readonly LayerScore[]): string {
  return list.map(({ layer, value }) => `${layer} (${metric(value)})`).join(', ');
}

function pairLine(pair: PairSummary): string {
  const parts = [
    `mean cosine ${metric(pair.mean_cosine)}, mean L2 ${metric(pair.mean_l2)}`,
    pair.lowest_cosine_layers.length === 0 ? null : `lowest cosine at layers ${scores(pair.lowest_cosine_layers)}`,
    pair.highest_l2_layers.length === 0 ? null : `highest L2 at layers ${scores(pair.highest_l2_layers)}`,
    pair.layers_beyond_chance === null
      ? null
      : `${pair.layers_beyond_chance.length} of ${pair.layers} layers differ beyond chance (permutation test, ${pair.n_permutations ?? '?'} permutations, Holm p < ${pair.significance_level})`,
    pair.mean_cka === null ? null : `paired, mean CKA ${metric(pair.mean_cka)}`,
  ];
  return `  ${pair.run_a} vs ${pair.run_b}: ${parts.filter((part) => part !== null).join('; ')}`;
}

/** Where a merged experiment's shards ran, or which shard of which plan a shard file holds. */
function clusterLines(experiment: ExperimentDetail): string[] {
  const { cluster } = experiment;
  if (cluster === null) return [];
  if (cluster.kind === 'merged') return [`  cluster    ${describeProvenance(cluster)}`];
  return [`  cluster    shard ${cluster.shard_index} of ${cluster.shard_count} of plan ${cluster.plan_id}, ${cluster.attempts.length} attempt(s) on ${[...new Set(cluster.attempts.map((attempt) => attempt.host))].join(', ')}`];
}

function showText(experiment: ExperimentDetail, pairs: readonly PairSummary[]): string {
  const distinguishing = distinguishingEntries(storedRunsWithSettings(experiment).map((run) => run.settings));
  const lines = [
    `Experiment ${experiment.id} (${experiment.uid}): ${experiment.name}`,
    `  status     ${experiment.status}${experiment.error ? ` (${experiment.error})` : ''}`,
    `  started    ${localDateTime(new Date(experiment.startedAt))}, duration ${shortDuration(experiment.durationS)}`,
    `  model      ${experiment.modelName ?? '-'}${experiment.demoModel ? ' (demo model, random weights)' : ''}${experiment.modelHash ? `, sha256 ${experiment.modelHash.slice(0, 16)}` : ''}`,
    `  capture    ${experiment.hook ?? '-'}, ${experiment.pooling ?? '-'} pooling, on ${experiment.executionProvider ?? '-'}`,
    `  vectors    ${describeVectorPolicy(experiment.vectorPolicy)}`,
    `  source     ${experiment.source === 'cotlab-import' ? `imported from ${experiment.sourcePath ?? '?'}` : `CoTLab Workbench ${experiment.appVersion ?? ''}`.trimEnd()}`,
    ...clusterLines(experiment),
    `  report     ${experiment.outputDir ?? '-'}`,
    ...(experiment.tags.length === 0 ? [] : [`  tags       ${experiment.tags.join(' ')}`]),
    ...(experiment.notes === '' ? [] : ['  notes', ...experiment.notes.split('\n').map((line) => `    ${line}`)]),
    '',
    'Runs:',
    formatTable(
      ['', 'RUN', 'DATASET', 'PROMPT', 'SEED', 'SAMPLES', 'LAYERS', 'STATUS', 'SET APART BY'],
      experiment.runs.map((run, i) => runRow(run, describeEntries(distinguishing[i] ?? []))),
      [4, 5],
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
    '',
    pairs.length === 0 ? 'No compared pairs stored.' : 'Pairs:',
    ...pairs.map(pairLine),
  ];
  return `${lines.join('\n')}\n`;
}

function showJson(store: HistoryReader, experiment: ExperimentDetail, pairs: PairSummary[]) {
  return { ...experiment, pairs, comparisons: store.getComparisons(experiment.id) };
}

export function registerShowCommand(program: Command): void {
  const command = program
    .command('show')
    .description('Show one experiment of the history: its settings, runs and a summary of each compared pair.')
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix')
    .option('--json', 'print the experiment, its runs, pair summaries and per-layer comparison rows as JSON');
  addDbOption(command).action(async (ref: string, options: ShowOptions) => {
    const text = await withHistoryReader(options, (store) => {
      const experiment = store.getExperiment(store.resolveExperimentRef(ref));
      const pairs = pairSummaries(store.getPairs(experiment.id), store.getComparisons(experiment.id));
      return options.json === true
        ? `${stringifyJsonExact(showJson(store, experiment, pairs), 2)}\n`
        : showText(experiment, pairs);
    });
    process.stdout.write(terminalText(text));
  });
}
