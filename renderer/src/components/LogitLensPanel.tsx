import { useEffect, useMemo, useState } from 'react';
import type { LogitLensView, RunRef } from '../../../src/contract/index.js';
import { lensFigure } from '../charts.js';
import { useWorkbench } from '../workspace.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Plot } from './Plot.js';

export interface LensRun {
  ref: RunRef;
  samples: number;
}

/** Tokens per layer shown in the heatmap (the call allows up to 50; more no longer fit as text). */
const TOP_K = 8;

/**
 * One sample's logit lens: layers x top tokens with their probabilities, and the gold token's rank at each layer.
 * Recorded by a logit_lens experiment, or computed from an activation run's stored last-token vectors.
 */
export function LogitLensPanel({ runs }: { runs: readonly LensRun[] }) {
  const { api } = useWorkbench();
  const [runIndex, setRunIndex] = useState(0);
  const [position, setPosition] = useState(0);
  const [lens, setLens] = useState<{ key: string; view: LogitLensView } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = runs[Math.min(runIndex, runs.length - 1)];
  const key = run === undefined ? '' : `${run.ref.experimentId}/${run.ref.runName}/${position}`;
  useEffect(() => {
    if (run === undefined || run.samples === 0) return;
    let current = true;
    setError(null);
    api.call('logitLens', { ref: run.ref, position, topK: TOP_K }).then(
      (view) => {
        if (current) setLens({ key, view });
      },
      (failure: unknown) => {
        if (current) setError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, run, position, key]);
  const view = lens?.key === key ? lens.view : null;
  const figure = useMemo(() => (view === null ? null : lensFigure(view)), [view]);
  if (run === undefined) return null;
  const last = view?.cells[view.cells.length - 1];
  return (
    <div className="panel stack" data-testid="lens-panel">
      <h2>Logit lens</h2>
      <div className="row">
        {runs.length > 1 ? (
          <label>
            Run{' '}
            <select
              data-testid="lens-run"
              value={runIndex}
              onChange={(event) => {
                setRunIndex(Number(event.target.value));
                setPosition(0);
              }}
            >
              {runs.map((entry, i) => (
                <option key={entry.ref.runName} value={i}>
                  {entry.ref.runName}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label>
          Sample{' '}
          <select data-testid="lens-sample" value={position} onChange={(event) => setPosition(Number(event.target.value))}>
            {Array.from({ length: run.samples }, (_, i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
        {view ? (
          <span className="muted small" data-testid="lens-gold">
            Gold answer “{view.goldText}”, first token {JSON.stringify(view.goldToken.token)} (id {view.goldToken.tokenId}); rank {last?.goldRank ?? '–'} at the last
            layer · {view.source === 'recorded' ? 'recorded by the run' : "computed from the run's stored last-token vectors"}
          </span>
        ) : null}
      </div>
      <ErrorNotice error={error} title="The logit lens could not be read." />
      {figure && view ? (
        <Plot figure={figure} title={`Top ${Math.max(0, ...view.cells.map((cell) => cell.top.length))} tokens per layer: ${run.ref.runName}, sample ${position}`} testId="plot-lens" height={Math.max(320, 46 + view.cells.length * 30)} />
      ) : error === null ? (
        <p className="muted" role="status">
          Loading the lens…
        </p>
      ) : null}
      {view?.summary ? (
        <p className="muted small" data-testid="lens-summary">
          Over the run&apos;s samples, the gold token is the top-1 token at the last layer in{' '}
          {((view.summary[view.summary.length - 1]?.goldTop1Rate ?? 0) * 100).toFixed(1)}% of them (mean probability{' '}
          {(view.summary[view.summary.length - 1]?.meanGoldProb ?? 0).toFixed(4)}).
        </p>
      ) : null}
    </div>
  );
}
