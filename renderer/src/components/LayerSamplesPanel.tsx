import { useEffect, useMemo, useState } from 'react';
import type { ComparisonView, LayerDetail, ResultSet } from '../../../src/contract/index.js';
import { pcaFigure, runColor, sampleCosineFigure } from '../charts.js';
import { formatMetric, pairLabel } from '../results-math.js';
import { useWorkbench } from '../workspace.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Plot } from './Plot.js';

interface LayerSamplesPanelProps {
  result: ResultSet;
  layer: number;
  onLayer: (layer: number) => void;
}

function hasVectors(result: ResultSet, comparison: ComparisonView): boolean {
  const stored = (label: string) => result.runs.find((run) => run.label === label)?.vectorsStored ?? false;
  return stored(comparison.runA) && stored(comparison.runB);
}

/**
 * The samples behind one layer of one pair: the 2-D PCA of both runs' samples (hover: dataset index and label) and,
 * for paired runs, how the cosine between each sample's two activations is spread. Fetched for the chosen layer.
 */
export function LayerSamplesPanel({ result, layer, onLayer }: LayerSamplesPanelProps) {
  const { api } = useWorkbench();
  const [pairIndex, setPairIndex] = useState(0);
  const [loaded, setLoaded] = useState<{ key: string; detail: LayerDetail } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const comparison = result.comparisons[Math.min(pairIndex, result.comparisons.length - 1)] ?? null;
  const available = comparison !== null && hasVectors(result, comparison);
  const key = comparison === null ? '' : `${pairLabel(comparison)}@${layer}`;

  useEffect(() => {
    if (comparison === null || !available) return;
    let current = true;
    setError(null);
    api.call('layerDetail', { runA: comparison.refA, runB: comparison.refB, layer }).then(
      (answer) => {
        if (current) setLoaded({ key, detail: answer });
      },
      (failure: unknown) => {
        if (current) setError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, comparison, available, layer, key]);

  const colors = useMemo<[string, string]>(
    () => (comparison ? [runColor(result, comparison.runA), runColor(result, comparison.runB)] : ['#0072B2', '#D55E00']),
    [result, comparison],
  );
  const shown = loaded?.key === key ? loaded.detail : null;
  const scatter = useMemo(() => (shown && comparison ? pcaFigure(shown, [comparison.runA, comparison.runB], colors) : null), [shown, comparison, colors]);
  const spread = useMemo(() => (shown ? sampleCosineFigure(shown, colors[0]) : null), [shown, colors]);
  const summary = shown?.sampleCosineSummary ?? null;

  if (comparison === null) return null;
  const layers = comparison.layers.map((entry) => entry.layer);

  return (
    <div className="panel stack" data-testid="layer-samples">
      <div className="row spread">
        <h2>Samples at layer {layer}</h2>
        <div className="row">
          {result.comparisons.length > 1 ? (
            <label className="inline-label">
              Pair
              <select value={pairIndex} onChange={(event) => setPairIndex(Number(event.target.value))}>
                {result.comparisons.map((entry, i) => (
                  <option key={pairLabel(entry)} value={i}>
                    {pairLabel(entry)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <label className="inline-label">
            Layer
            <select aria-label="Layer of the sample plots" value={layer} onChange={(event) => onLayer(Number(event.target.value))}>
              {layers.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {!available ? (
        <p className="muted">These runs keep no per-sample vectors (e.g. imported from CoTLab), so their samples cannot be plotted.</p>
      ) : (
        <>
          <ErrorNotice error={error} title="The samples of this layer could not be loaded." />
          <div className={spread ? 'plot-grid' : undefined}>
            {scatter ? <Plot figure={scatter} title={`PCA of both runs’ samples, layer ${layer}`} height={360} testId="plot-pca" /> : <p className="muted">Loading the samples…</p>}
            {spread ? <Plot figure={spread} title={`Per-sample cosine (paired runs), layer ${layer}`} height={360} testId="plot-sample-cosine" /> : null}
          </div>
          {summary ? (
            <p className="muted small" data-testid="sample-cosine-summary">
              Per-sample cosine over {summary.n} sample pairs: median {formatMetric(summary.median, 'cosine')}, 5–95% range{' '}
              {formatMetric(summary.q05, 'cosine')} to {formatMetric(summary.q95, 'cosine')}.
            </p>
          ) : null}
          {shown && !shown.paired ? (
            <p className="muted small">The runs hold different samples, so there is no per-sample cosine or CKA; the scatter shows how far apart the two groups lie.</p>
          ) : null}
        </>
      )}
    </div>
  );
}
