import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ComparisonView, LayerDetail, ResultSet, RunRef, StoredSampleView } from '../../../src/contract/index.js';
import { labelText, pcaFigure, projectionFigure, runColor, sampleCosineFigure, type PcaColouring } from '../charts.js';
import { formatMetric, pairLabel } from '../results-math.js';
import { useWorkbench } from '../workspace.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Plot } from './Plot.js';
import { PairSelect } from './PairSelect.js';

interface LayerSamplesPanelProps {
  result: ResultSet;
  layer: number;
  onLayer: (layer: number) => void;
}

function hasVectors(result: ResultSet, comparison: ComparisonView): boolean {
  const stored = (label: string) => result.runs.find((run) => run.label === label)?.vectorsStored ?? false;
  return stored(comparison.runA) && stored(comparison.runB);
}

/** A clicked point: which run and sample it is. */
interface PickedSample {
  ref: RunRef;
  runLabel: string;
  position: number;
}

/** The text behind a clicked point, fetched from the engine (the history keeps vectors and labels, not texts). */
function SampleText({ picked }: { picked: PickedSample }) {
  const { api } = useWorkbench();
  const [loaded, setLoaded] = useState<{ key: string; sample: StoredSampleView } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const key = `${picked.ref.experimentId}:${picked.ref.runName}#${picked.position}`;
  useEffect(() => {
    let current = true;
    setError(null);
    api.call('storedSample', { run: picked.ref, position: picked.position }).then(
      (sample) => {
        if (current) setLoaded({ key, sample });
      },
      (failure: unknown) => {
        if (current) setError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, picked, key]);
  const sample = loaded?.key === key ? loaded.sample : null;
  return (
    <div className="stack picked-sample" data-testid="picked-sample">
      <h3>
        Sample {picked.position + 1} of {picked.runLabel}
        {sample ? `: dataset index ${sample.datasetIndex}, label ${labelText(sample.label)}` : ''}
      </h3>
      <ErrorNotice error={error} title="The sample's text could not be read." />
      {sample?.warning ? <p className="notice notice-warn">{sample.warning}</p> : null}
      {sample ? (
        <>
          <pre className="prompt-text" data-testid="picked-sample-text">
            {sample.text}
          </pre>
          <details>
            <summary>What the model was fed (system prompt, prompt, answer cue)</summary>
            <pre className="prompt-text tall">{sample.fedText}</pre>
          </details>
        </>
      ) : error ? null : (
        <p className="muted">Reading the sample…</p>
      )}
    </div>
  );
}

/** How each label group of each run sits against the other run's mean at this layer. */
function LabelGroups({ detail, names }: { detail: LayerDetail; names: readonly [string, string] }) {
  if (detail.labelGroups.length === 0) return null;
  const name = (run: 'a' | 'b') => (run === 'a' ? names[0] : names[1]);
  return (
    <div className="stack">
      <h3>Per label</h3>
      <p className="muted small">The mean of each label group of one run, against the mean of the other run.</p>
      <div className="table-scroll">
        <table className="form-table" data-testid="label-groups">
          <thead>
            <tr>
              <th>Run</th>
              <th>Label</th>
              <th className="num">Samples</th>
              <th className="num">Cosine</th>
              <th className="num">L2</th>
            </tr>
          </thead>
          <tbody>
            {detail.labelGroups.map((group) => (
              <tr key={`${group.run}:${labelText(group.label)}`}>
                <td className="wrap-name">{name(group.run)}</td>
                <td>{labelText(group.label)}</td>
                <td className="num">{group.count}</td>
                <td className="num">{formatMetric(group.cosineToOtherMean, 'cosine')}</td>
                <td className="num">{formatMetric(group.l2ToOtherMean, 'distance')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * The samples behind one layer of one pair: the 2-D PCA of both runs' samples (coloured by run or label; click a
 * point to read its text), each sample's projection on the diff-in-means direction with its effect sizes, the
 * per-label breakdown and, for paired runs, how the cosine between each sample's two activations is spread.
 */
export function LayerSamplesPanel({ result, layer, onLayer }: LayerSamplesPanelProps) {
  const { api } = useWorkbench();
  const [pairIndex, setPairIndex] = useState(0);
  const [colouring, setColouring] = useState<PcaColouring>('run');
  const [picked, setPicked] = useState<PickedSample | null>(null);
  const [loaded, setLoaded] = useState<{ key: string; detail: LayerDetail } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const comparison = result.comparisons[Math.min(pairIndex, result.comparisons.length - 1)] ?? null;
  const available = comparison !== null && !comparison.partial && hasVectors(result, comparison);
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

  const names = useMemo<[string, string]>(() => (comparison ? [comparison.runA, comparison.runB] : ['', '']), [comparison]);
  const colors = useMemo<[string, string]>(
    () => (comparison ? [runColor(result, comparison.runA), runColor(result, comparison.runB)] : ['#0072B2', '#D55E00']),
    [result, comparison],
  );
  const shown = loaded?.key === key ? loaded.detail : null;
  const scatter = useMemo(() => (shown ? pcaFigure(shown, names, colors, colouring) : null), [shown, names, colors, colouring]);
  const projections = useMemo(() => (shown ? projectionFigure(shown, names, colors) : null), [shown, names, colors]);
  const spread = useMemo(() => (shown ? sampleCosineFigure(shown, colors[0]) : null), [shown, colors]);
  const summary = shown?.sampleCosineSummary ?? null;
  const onPoint = useCallback(
    (customdata: unknown[]) => {
      const [run, position] = customdata;
      if (comparison === null || (run !== 'a' && run !== 'b') || typeof position !== 'number') return;
      setPicked({ ref: run === 'a' ? comparison.refA : comparison.refB, runLabel: run === 'a' ? comparison.runA : comparison.runB, position });
    },
    [comparison],
  );

  if (comparison === null) return null;
  const layers = comparison.layers.map((entry) => entry.layer);

  return (
    <div className="panel stack" data-testid="layer-samples">
      <div className="row spread">
        <h2>Samples at layer {layer}</h2>
        <div className="row">
          <PairSelect comparisons={result.comparisons} value={pairIndex} onChange={setPairIndex} />
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
          <label className="inline-label">
            Colour by
            <select aria-label="Colour the PCA points by" value={colouring} onChange={(event) => setColouring(event.target.value as PcaColouring)}>
              <option value="run">run</option>
              <option value="label">label</option>
            </select>
          </label>
        </div>
      </div>
      {comparison.partial ? (
        <p className="muted">The samples are plotted once the experiment has finished.</p>
      ) : !available ? (
        <p className="muted">These runs keep no per-sample vectors (e.g. imported from CoTLab), so their samples cannot be plotted.</p>
      ) : (
        <>
          <ErrorNotice error={error} title="The samples of this layer could not be loaded." />
          {shown ? (
            <p className="muted small" data-testid="direction-facts">
              Diff-in-means direction ‖mean(B) − mean(A)‖ = {formatMetric(shown.directionNorm, 'distance')}; Cohen’s d of the projections{' '}
              {formatMetric(shown.cohensD, 'distance')} in-sample, <strong>{formatMetric(shown.cohensDHeldOut, 'distance')} held-out</strong>. L2{' '}
              {formatMetric(shown.relativeL2, 'cosine')} of the mean norm; sampling noise alone would give {formatMetric(shown.l2NoiseFloor, 'distance')}{' '}
              (debiased L2 {formatMetric(shown.l2Debiased, 'distance')}).
            </p>
          ) : null}
          <div className="plot-grid">
            {scatter ? (
              <Plot figure={scatter} title={`PCA of both runs’ samples, layer ${layer}`} height={380} testId="plot-pca" onPointClick={onPoint} />
            ) : (
              <p className="muted">Loading the samples…</p>
            )}
            {projections ? <Plot figure={projections} title={`Projection on the diff-in-means direction, layer ${layer}`} height={380} testId="plot-projection" /> : null}
            {spread ? <Plot figure={spread} title={`Per-sample cosine (paired runs), layer ${layer}`} height={340} testId="plot-sample-cosine" /> : null}
            {shown ? <LabelGroups detail={shown} names={names} /> : null}
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
          {picked ? <SampleText picked={picked} /> : <p className="muted small">Click a point of the PCA to read that sample’s text and label.</p>}
        </>
      )}
    </div>
  );
}
