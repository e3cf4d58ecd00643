import { useCallback, useMemo, useState } from 'react';
import type { Annotations, ResultSet } from '../../../src/contract/index.js';
import { ckaFigure, heatmapFigure, normFigure, pairMetricFigure } from '../charts.js';
import { AnnotationsEditor } from '../components/AnnotationsEditor.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { LayerSamplesPanel } from '../components/LayerSamplesPanel.js';
import { LayerTable } from '../components/LayerTable.js';
import { Plot } from '../components/Plot.js';
import { ProbingPanel } from '../components/ProbingPanel.js';
import { RunSettingsTable } from '../components/RunSettingsTable.js';
import { saveReport } from '../downloads.js';
import { formatDateTime } from '../format.js';
import { divergenceCallouts, formatMetric, initialLayer, type LayerCallout } from '../results-math.js';
import { useWorkbench } from '../workspace.js';

function Callout({ callout }: { callout: LayerCallout }) {
  return (
    <div className="callout" data-testid="callout">
      <div className="callout-title">{callout.pair}</div>
      <div>
        Lowest cosine: <strong>layer {callout.lowestCosine?.layer ?? '–'}</strong> ({formatMetric(callout.lowestCosine?.value ?? null, 'cosine')})
      </div>
      <div>
        Highest L2: <strong>layer {callout.highestL2?.layer ?? '–'}</strong> ({formatMetric(callout.highestL2?.value ?? null, 'distance')})
      </div>
      {callout.differingLayers === null ? null : (
        <div className="muted small">
          {callout.differingLayers.length === 0
            ? `No layer differs beyond chance (Holm-adjusted p ≥ ${callout.significanceLevel} at all ${callout.testedLayers}).`
            : `Differing beyond chance at ${callout.differingLayers.length} of ${callout.testedLayers} layers (Holm p < ${callout.significanceLevel}).`}
        </div>
      )}
    </div>
  );
}

/** One sentence on how the intervals and p-values were made, from the first pair that has them. */
function analysisNote(result: ResultSet): string | null {
  const settings = result.comparisons.find((comparison) => comparison.analysis !== null)?.analysis;
  if (!settings) return null;
  return (
    `Shaded bands: ${Math.round(settings.confidenceLevel * 100)}% bootstrap confidence intervals (${settings.bootstrapResamples} resamples). ` +
    `p: permutation test of the L2 distance (${settings.permutations} permutations), Holm-adjusted over layers; seed ${settings.seed}.`
  );
}

/** Why there is nothing to compare: one run only, or an experiment that stopped before its comparisons. */
function noComparisonNote(result: ResultSet): string {
  const status = result.experiment?.status;
  if (result.live) return 'Running: the runs are compared here as soon as each of them has stored samples.';
  if (status !== undefined && status !== 'completed') {
    return `This experiment is ${status}: runs are compared when all of them are done${status === 'running' ? '' : ', so resume it from the History'}.`;
  }
  return 'Only one run: there is no pair to compare, the norms are shown below.';
}

/** Runs picked from the History, written like an experiment's report. */
function ComparisonExports({ result }: { result: ResultSet }) {
  const { api } = useWorkbench();
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const save = async (format: 'markdown' | 'html' | 'csv') => {
    setError(null);
    try {
      const report = await api.call('exportComparison', { runs: result.runs.map((run) => run.ref), format });
      setSaved((await saveReport(api, report)) ?? null);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div className="stack">
      <div className="row" aria-label="Export this comparison">
        <span className="muted small">Export this comparison:</span>
        <button type="button" className="compact" data-testid="compare-export-markdown" onClick={() => void save('markdown')}>
          Markdown
        </button>
        <button type="button" className="compact" data-testid="compare-export-html" onClick={() => void save('html')}>
          HTML report
        </button>
        <button type="button" className="compact" data-testid="compare-export-csv" onClick={() => void save('csv')}>
          CSV
        </button>
        {saved ? (
          <span className="muted small" role="status">
            Saved {saved}.
          </span>
        ) : null}
      </div>
      <ErrorNotice error={error} title="The comparison could not be exported." />
    </div>
  );
}

/** Offers the experiment that is running now, when other results (or none) are open. */
function FollowRunning() {
  const { api, workspace, update } = useWorkbench();
  const run = workspace.run;
  const [error, setError] = useState<unknown>(null);
  const id = run?.experimentId ?? null;
  if (run === null || id === null || !['starting', 'running'].includes(run.state) || workspace.results?.experiment?.id === id) return null;
  const follow = async () => {
    try {
      update({ results: await api.call('getExperiment', { id }) });
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div className="notice notice-info row spread">
      <span>Experiment {id} is running.</span>
      <button type="button" className="compact" onClick={() => void follow()}>
        Follow experiment {id} live
      </button>
      <ErrorNotice error={error} />
    </div>
  );
}

export function ResultsScreen() {
  const { workspace, navigate, update } = useWorkbench();
  const result = workspace.results;
  const onAnnotated = useCallback(
    (annotations: Annotations) =>
      update((current) =>
        current.results?.experiment ? { results: { ...current.results, experiment: { ...current.results.experiment, ...annotations } } } : {},
      ),
    [update],
  );
  const [chosenLayer, setChosenLayer] = useState<{ result: ResultSet; layer: number } | null>(null);
  const layer = chosenLayer?.result === result ? chosenLayer.layer : result ? initialLayer(result) : null;
  const onLayerClick = useCallback((picked: number) => setChosenLayer(result ? { result, layer: picked } : null), [result]);

  const figures = useMemo(
    () =>
      result
        ? {
            cosine: pairMetricFigure(result, 'cosine'),
            l2: pairMetricFigure(result, 'l2'),
            norms: normFigure(result),
            cka: ckaFigure(result),
            heatmap: heatmapFigure(result),
          }
        : null,
    [result],
  );

  if (!result || !figures) {
    return (
      <section className="screen" aria-labelledby="results-title">
        <header className="screen-header">
          <h1 id="results-title">Results</h1>
        </header>
        <FollowRunning />
        <div className="panel empty-state">
          <p className="muted">No results open. Run an experiment, or open one from the History.</p>
          <div className="row">
            <button type="button" onClick={() => navigate('experiment')}>
              Go to Experiment
            </button>
            <button type="button" onClick={() => navigate('history')}>
              Go to History
            </button>
          </div>
        </div>
      </section>
    );
  }

  const experiment = result.experiment;
  const note = analysisNote(result);

  return (
    <section className="screen" aria-labelledby="results-title">
      <header className="screen-header">
        <h1 id="results-title">Results</h1>
        <p className="muted" data-testid="results-summary">
          {experiment
            ? `Experiment ${experiment.id} · ${formatDateTime(experiment.createdAt)} · ${experiment.model} · ${result.runs.length} runs · ${experiment.pooling === null ? "pooling not recorded" : `${experiment.pooling} pooling`}`
            : `Comparison of ${result.runs.length} stored runs from the History: ${result.runs.map((run) => run.label).join(', ')}`}
        </p>
        {experiment?.demoModel ? <p className="notice notice-info">Demo model with random weights: these numbers only show the workflow.</p> : null}
        {experiment === null ? <ComparisonExports result={result} /> : null}
      </header>
      <FollowRunning />
      {result.live ? (
        <p className="notice notice-info" role="status" data-testid="live-note">
          Running: {result.runs.reduce((sum, run) => sum + run.samplesDone, 0)} of {result.runs.reduce((sum, run) => sum + run.samplesPlanned, 0)} samples
          stored. The norms and comparisons below are of the samples stored so far and update as the run goes; intervals, p-values and the sample
          plots follow when it has finished.
        </p>
      ) : null}
      {!result.live && result.runs.some((run) => run.partial) ? (
        <p className="notice notice-warn">This experiment stopped early: the numbers are of the samples it stored. Resume it from the History to finish it.</p>
      ) : null}
      <RunSettingsTable result={result} />
      {experiment ? <AnnotationsEditor experimentId={experiment.id} stored={{ notes: experiment.notes, tags: experiment.tags }} onSaved={onAnnotated} /> : null}
      {result.comparisons.length === 0 ? <p className="notice notice-info">{noComparisonNote(result)}</p> : null}
      <div className="callouts" aria-label="Most divergent layers">
        {divergenceCallouts(result.comparisons).map((callout) => (
          <Callout key={callout.pair} callout={callout} />
        ))}
      </div>
      <div className="plot-grid">
        {result.comparisons.length > 0 ? (
          <>
            <div className="panel">
              <Plot figure={figures.cosine} title="Cosine similarity per layer" onLayerClick={onLayerClick} testId="plot-cosine" />
            </div>
            <div className="panel">
              <Plot figure={figures.l2} title="L2 distance per layer" onLayerClick={onLayerClick} testId="plot-l2" />
            </div>
          </>
        ) : null}
        <div className="panel">
          <Plot figure={figures.norms} title="Mean activation norm per layer" onLayerClick={onLayerClick} testId="plot-norms" />
        </div>
        {figures.cka ? (
          <div className="panel">
            <Plot figure={figures.cka} title="Linear CKA per layer (paired runs)" onLayerClick={onLayerClick} testId="plot-cka" />
          </div>
        ) : null}
        {figures.heatmap ? (
          <div className="panel wide">
            <Plot figure={figures.heatmap} title="Cosine similarity: layers × pairs" onLayerClick={onLayerClick} testId="plot-heatmap" />
          </div>
        ) : null}
      </div>
      {note ? (
        <p className="muted small" data-testid="analysis-note">
          {note} Click a point to look at that layer’s samples.
        </p>
      ) : null}
      {layer !== null && result.comparisons.length > 0 ? <LayerSamplesPanel result={result} layer={layer} onLayer={onLayerClick} /> : null}
      <div className="panel stack">
        <h2>Layers</h2>
        <LayerTable result={result} />
      </div>
      {experiment && !result.live ? <ProbingPanel key={experiment.id} experimentId={experiment.id} /> : null}
    </section>
  );
}
