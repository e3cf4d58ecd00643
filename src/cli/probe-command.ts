import { InvalidArgumentError, type Command } from 'commander';
import { stringifyJsonExact } from '../config/exact-json.js';
import { probeStoredRuns } from '../experiments/probe-stored-runs.js';
import type { ProbeRecord } from '../results/probe-record.js';
import { cliPaths } from './paths.js';
import { addDbOption, withHistoryStore, type DbOption } from './store-option.js';
import { formatTable, metric } from './text-table.js';

interface ProbeOptions extends DbOption {
  folds: number;
  labelField?: string;
  json?: boolean;
}

function foldCount(value: string): number {
  const folds = Number(value);
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) throw new InvalidArgumentError('give a whole number of folds from 2 to 20');
  return folds;
}

function interval([low, high]: [number, number]): string {
  return `${metric(low, 3)}-${metric(high, 3)}`;
}

function probeText(record: ProbeRecord): string {
  const beyond = new Set(record.layers_beyond_chance);
  const rows = record.layers.map((layer) => [
    String(layer.layer),
    `${metric(layer.accuracy, 3)} [${interval(layer.accuracy_ci)}]`,
    metric(layer.balanced_accuracy, 3),
    metric(layer.macro_f1, 3),
    metric(layer.majority_accuracy, 3),
    metric(layer.control_accuracy, 3),
    metric(layer.selectivity, 3),
    `${metric(layer.p_value_holm, 4)}${beyond.has(layer.layer) ? ' *' : ''}`,
  ]);
  const { settings } = record;
  const label = record.label_field === null ? 'the dataset label' : `metadata field "${record.label_field}"`;
  return [
    `Run ${record.run}: ${label}, ${record.samples} samples, classes ${record.classes.map((c, k) => `${c} (${record.class_counts[k]})`).join(', ')}`,
    formatTable(['LAYER', `ACCURACY [${settings.confidence_level * 100}% CI]`, 'BALANCED', 'MACRO-F1', 'MAJORITY', 'CONTROL', 'SELECTIVITY', 'P (HOLM)'], rows, [0, 2, 3, 4, 5, 6, 7]),
    `Best layer ${record.best_layer}; earliest within one standard error of it: layer ${record.earliest_within_one_se}. ` +
      `${record.layers_beyond_chance.length} of ${record.layers.length} layers beyond chance (*: Holm-adjusted p < ${settings.significance_level}).`,
    `Logistic probe (L2; C by ${settings.inner_folds}-fold nested CV from ${settings.c_grid.join(', ')}), ${settings.folds}-fold stratified CV, seed ${settings.seed}; ` +
      `control: labels shuffled within each training part; p: ${settings.permutations} relabellings of a ridge probe on the same folds (${settings.permutation_rule}).`,
    '',
  ].join('\n');
}

/** `cotlab-wb probe ID[:run]`: linear probes of a stored experiment's vectors, stored with it. */
export function registerProbeCommand(program: Command): void {
  const command = program
    .command('probe')
    .description(
      'Probe a stored experiment: per layer, how well a linear classifier reads the label (or a metadata field) from the stored per-sample vectors, with cross-validation, a majority baseline, a control task and permutation p-values. No forward pass; the probe is stored with the experiment and appears in its exports.',
    )
    .argument('<experiment>', 'experiment id or uid prefix, optionally :RUN for one run (e.g. 12:histopathology)')
    .option('--folds <k>', 'cross-validation folds', foldCount, 5)
    .option('--label-field <field>', 'probe this metadata field of the dataset instead of its label')
    .option('--json', 'print the stored probe records as JSON');
  addDbOption(command).action(async (ref: string, options: ProbeOptions) => {
    const colon = ref.lastIndexOf(':');
    const experimentRef = colon < 0 ? ref : ref.slice(0, colon);
    const runName = colon < 0 ? null : ref.slice(colon + 1);
    const records = await withHistoryStore(options, (store) =>
      probeStoredRuns(store, {
        experimentId: store.resolveExperimentRef(experimentRef),
        runName,
        folds: options.folds,
        labelField: options.labelField ?? null,
        dataRoot: cliPaths().root,
      }),
    );
    process.stdout.write(options.json === true ? `${stringifyJsonExact(records, 2)}\n` : records.map(probeText).join('\n'));
  });
}
