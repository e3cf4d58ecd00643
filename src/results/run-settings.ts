import { layerRanges } from './layer-ranges.js';
import type { Seed } from './seed.js';

/**
 * What a run was set up with, as recorded: everything that can make two runs differ. null where the run did not
 * record it (e.g. runs imported from CoTLab carry no prompt options).
 */
export interface RunSettings {
  dataset: string;
  /** File name of the dataset (no folder). */
  datasetFile: string | null;
  /** The prompt option's name. */
  prompt: string;
  /** The strategy file the prompt option uses. */
  promptStrategy: string | null;
  outputFormat: string | null;
  fewShot: boolean | null;
  answerFirst: boolean | null;
  contrarian: boolean | null;
  /** Samples planned (the whole dataset when the run asked for all). */
  samples: number;
  seed: Seed | null;
  pooling: string | null;
  hook: string | null;
  layers: readonly number[];
  model: string | null;
  maxInputTokens: number | null;
}

export type SettingKey = keyof RunSettings;

/** One setting as shown beside a run: its key, a label in words, its value as text. */
export interface SettingEntry {
  key: SettingKey;
  label: string;
  value: string;
}

/** The settings in the order every face lists them. */
export const SETTING_LABELS: ReadonlyArray<readonly [SettingKey, string]> = [
  ['dataset', 'dataset'],
  ['datasetFile', 'file'],
  ['prompt', 'prompt'],
  ['promptStrategy', 'strategy'],
  ['outputFormat', 'output format'],
  ['fewShot', 'few-shot'],
  ['answerFirst', 'answer first'],
  ['contrarian', 'contrarian'],
  ['samples', 'samples'],
  ['seed', 'seed'],
  ['pooling', 'pooling'],
  ['hook', 'capture point'],
  ['layers', 'layers'],
  ['model', 'model'],
  ['maxInputTokens', 'max input tokens'],
];

function settingText(settings: RunSettings, key: SettingKey): string {
  const value = settings[key];
  if (key === 'layers') return layerRanges(settings.layers) || 'none';
  if (key === 'maxInputTokens') return value === null ? 'no limit' : String(value);
  if (value === null) return 'not recorded';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Every setting of a run, in SETTING_LABELS order, its value as text. */
export function settingEntries(settings: RunSettings): SettingEntry[] {
  return SETTING_LABELS.map(([key, label]) => ({ key, label, value: settingText(settings, key) }));
}

/** The settings whose values are not the same for all the runs (none for a single run), in SETTING_LABELS order. */
export function differingSettings(runs: readonly RunSettings[]): SettingKey[] {
  if (runs.length < 2) return [];
  return SETTING_LABELS.flatMap(([key]) => (new Set(runs.map((run) => settingText(run, key))).size > 1 ? [key] : []));
}

/** Per run, its values of the settings that tell it from the other runs. */
export function distinguishingEntries(runs: readonly RunSettings[]): SettingEntry[][] {
  const keys = new Set(differingSettings(runs));
  return runs.map((run) => settingEntries(run).filter((entry) => keys.has(entry.key)));
}

/** Entries as one short phrase: "output format plain, few-shot no". */
export function describeEntries(entries: readonly SettingEntry[]): string {
  return entries.map((entry) => `${entry.label} ${entry.value}`).join(', ');
}

/** A run as the faces name it: its name and what it was set up with. */
export interface NamedRunSettings {
  name: string;
  settings: RunSettings;
}

/**
 * Where several runs share a name (e.g. runs of different experiments picked for a comparison), what tells each
 * of them from its namesakes, as a phrase to show next to the name; null for a run whose name is its own (or whose
 * namesakes were set up identically).
 */
export function namesakeDifferences(runs: readonly NamedRunSettings[]): Array<string | null> {
  const byName = new Map<string, number[]>();
  runs.forEach((run, index) => byName.set(run.name, [...(byName.get(run.name) ?? []), index]));
  const phrases: Array<string | null> = runs.map(() => null);
  for (const indices of byName.values()) {
    if (indices.length < 2) continue;
    const entries = distinguishingEntries(indices.map((index) => (runs[index] as NamedRunSettings).settings));
    indices.forEach((index, k) => {
      const phrase = describeEntries(entries[k] ?? []);
      phrases[index] = phrase === '' ? null : phrase;
    });
  }
  return phrases;
}

/** A name with the phrase that tells it from its namesakes, when there is one: "histopathology (output format plain)". */
export function nameWithDifferences(name: string, phrase: string | null): string {
  return phrase === null ? name : `${name} (${phrase})`;
}
