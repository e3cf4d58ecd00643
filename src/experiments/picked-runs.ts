import { nameWithDifferences, namesakeDifferences, type NamedRunSettings } from '../results/run-settings.js';
import type { HistoryReader } from '../store/history-reader.js';
import { compareStoredRuns, type StoredRunComparison, type StoredRunRef } from './compare-stored-runs.js';
import { storedRunSettings } from './stored-run-settings.js';

/** A run picked from the history for a comparison, with its settings. */
export interface PickedRun extends StoredRunRef {
  settings: NamedRunSettings;
}

/**
 * Runs picked from any experiments, labelled `EXPERIMENT:RUN` and, where runs share a name, with what tells them
 * apart next to it (`12:histopathology (output format plain)`); their settings are named by those labels.
 */
export function labelledPicks(picked: readonly StoredRunRef[]): PickedRun[] {
  const named = picked.map(({ experiment, run }) => ({ name: run.name, settings: storedRunSettings(experiment, run) }));
  const phrases = namesakeDifferences(named);
  return picked.map((ref, i) => {
    const label = nameWithDifferences(ref.label, phrases[i] ?? null);
    return { ...ref, label, settings: { name: label, settings: (named[i] as NamedRunSettings).settings } };
  });
}

export interface ComparedPicks {
  a: PickedRun;
  b: PickedRun;
  compared: StoredRunComparison;
}

/** Every pair of picked runs (in pick order) compared with compareStoredRuns. */
export function comparePicks(store: HistoryReader, picks: readonly PickedRun[]): ComparedPicks[] {
  const pairs: ComparedPicks[] = [];
  for (let i = 0; i < picks.length; i++) {
    for (let j = i + 1; j < picks.length; j++) {
      const a = picks[i] as PickedRun;
      const b = picks[j] as PickedRun;
      pairs.push({ a, b, compared: compareStoredRuns(store, a, b) });
    }
  }
  return pairs;
}
