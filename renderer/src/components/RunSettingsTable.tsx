import { useState } from 'react';
import type { ResultSet } from '../../../src/contract/index.js';
import { runColor } from '../charts.js';

/** A run's progress in words: "3 / 3 samples", with its state while it has samples to go. */
function progressText(run: ResultSet['runs'][number]): string {
  const samples = `${run.samplesDone} / ${run.samplesPlanned} samples`;
  return run.status === 'completed' || run.samplesDone >= run.samplesPlanned ? samples : `${samples}, ${run.status}`;
}

/**
 * Every run side by side with its recorded settings (dataset and file, prompt and its options, samples, seed,
 * pooling, capture point, layers, model): the config diff. The settings that tell the runs apart are marked and,
 * with "Differences only", the only ones shown.
 */
export function RunSettingsTable({ result }: { result: ResultSet }) {
  const differing = new Set(result.differingSettings);
  const [differencesOnly, setDifferencesOnly] = useState(true);
  const keys = (result.runs[0]?.settings ?? []).map((entry) => entry.key);
  const shownKeys = differencesOnly && result.runs.length > 1 ? keys.filter((key) => differing.has(key)) : keys;
  const valueOf = (run: ResultSet['runs'][number], key: string) => run.settings.find((entry) => entry.key === key);
  return (
    <div className="panel stack" data-testid="run-settings">
      <div className="row spread">
        <h2>Runs</h2>
        {result.runs.length > 1 ? (
          <label className="check">
            <input type="checkbox" checked={differencesOnly} onChange={(event) => setDifferencesOnly(event.target.checked)} />
            Differences only
          </label>
        ) : null}
      </div>
      {result.runs.length > 1 ? (
        <p className="muted small" data-testid="runs-set-apart">
          {differing.size === 0
            ? 'The runs share every recorded setting.'
            : `What tells the runs apart: ${keys.filter((key) => differing.has(key)).map((key) => valueOf(result.runs[0] as ResultSet['runs'][number], key)?.label ?? key).join(', ')}.`}
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="form-table settings-table">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              {result.runs.map((run) => (
                <th scope="col" key={run.label} className="wrap-name">
                  <span className="swatch" style={{ background: runColor(result, run.label) }} aria-hidden="true" />
                  {run.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr data-testid="run-progress-row">
              <th scope="row">progress</th>
              {result.runs.map((run) => (
                <td key={run.label} className={run.status === 'running' ? 'state-running' : undefined}>
                  {progressText(run)}
                </td>
              ))}
            </tr>
            {shownKeys.map((key) => (
              <tr key={key} className={differing.has(key) ? 'differs' : undefined} data-setting={key}>
                <th scope="row">{valueOf(result.runs[0] as ResultSet['runs'][number], key)?.label ?? key}</th>
                {result.runs.map((run) => (
                  <td key={run.label} className="wrap-name">
                    {valueOf(run, key)?.value ?? '–'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
