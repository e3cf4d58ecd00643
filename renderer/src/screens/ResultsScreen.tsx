import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useMemo, useState } from 'react';
import type { ResultSet } from '../../../src/api/contract.js';
import { heatmapFigure, normFigure, pairMetricFigure } from '../charts.js';
import type { gridFeatures} from '../components/DataGrid.js';
import { DataGrid, type GridColumn } from '../components/DataGrid.js';
import { Plot } from '../components/Plot.js';
import { formatDateTime } from '../format.js';
import { divergenceCallouts, formatMetric, layerRows, pairLabel, type LayerRow } from '../results-math.js';
import { useWorkbench } from '../workspace.js';

const helper = createColumnHelper<typeof gridFeatures, LayerRow>();

function layerColumns(result: ResultSet): GridColumn<LayerRow>[] {
  const pairs = result.comparisons.map(pairLabel);
  return [
    helper.accessor('layer', { header: 'Layer', sortFn: 'basic' }),
    ...pairs.flatMap((pair) => [
      helper.accessor((row) => row.cosine[pair] ?? null, {
        id: `cos:${pair}`,
        header: `cos ${pair}`,
        sortFn: 'basic',
        cell: (info) => formatMetric(info.getValue(), 'cosine'),
      }),
      helper.accessor((row) => row.l2[pair] ?? null, {
        id: `l2:${pair}`,
        header: `L2 ${pair}`,
        sortFn: 'basic',
        cell: (info) => formatMetric(info.getValue(), 'distance'),
      }),
    ]),
    ...result.runs.map((run) =>
      helper.accessor((row) => row.norm[run.label] ?? null, {
        id: `norm:${run.label}`,
        header: `norm ${run.label}`,
        sortFn: 'basic',
        cell: (info) => formatMetric(info.getValue(), 'distance'),
      }),
    ),
  ] as GridColumn<LayerRow>[];
}

export function ResultsScreen() {
  const { workspace, navigate } = useWorkbench();
  const result = workspace.results;
  const [selectedLayer, setSelectedLayer] = useState<number | null>(null);
  const onLayerClick = useCallback((layer: number) => setSelectedLayer(layer), []);

  const figures = useMemo(
    () =>
      result
        ? {
            cosine: pairMetricFigure(result, 'cosine'),
            l2: pairMetricFigure(result, 'l2'),
            norms: normFigure(result),
            heatmap: heatmapFigure(result),
          }
        : null,
    [result],
  );
  const rows = useMemo(() => (result ? layerRows(result) : []), [result]);
  const columns = useMemo(() => (result ? layerColumns(result) : []), [result]);

  if (!result || !figures) {
    return (
      <section className="screen" aria-labelledby="results-title">
        <header className="screen-header">
          <h1 id="results-title">Results</h1>
        </header>
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

  const callouts = divergenceCallouts(result.comparisons);
  const selectedRow = rows.find((row) => row.layer === selectedLayer) ?? null;
  const experiment = result.experiment;

  return (
    <section className="screen" aria-labelledby="results-title">
      <header className="screen-header">
        <h1 id="results-title">Results</h1>
        <p className="muted" data-testid="results-summary">
          {experiment
            ? `Experiment ${experiment.id} · ${formatDateTime(experiment.createdAt)} · ${experiment.model} · ${result.runs.length} runs · ${experiment.pooling ?? ''} pooling`
            : `Comparison of ${result.runs.length} stored runs`}
        </p>
        {experiment?.demoModel ? <p className="notice notice-info">Demo model with random weights: these numbers only show the workflow.</p> : null}
      </header>
      {result.comparisons.length === 0 ? <p className="notice notice-info">Only one run: there is no pair to compare, the norms are shown below.</p> : null}
      <div className="callouts" aria-label="Most divergent layers">
        {callouts.map((callout) => (
          <div key={callout.pair} className="callout" data-testid="callout">
            <div className="callout-title">{callout.pair}</div>
            <div>
              Lowest cosine: <strong>layer {callout.lowestCosine?.layer ?? '–'}</strong> ({formatMetric(callout.lowestCosine?.value ?? null, 'cosine')})
            </div>
            <div>
              Highest L2: <strong>layer {callout.highestL2?.layer ?? '–'}</strong> ({formatMetric(callout.highestL2?.value ?? null, 'distance')})
            </div>
          </div>
        ))}
        <div className="callout callout-layer" data-testid="selected-layer" aria-live="polite">
          <div className="callout-title">{selectedRow ? `Layer ${selectedRow.layer}` : 'Click a point to see a layer'}</div>
          {selectedRow ? (
            <ul className="plain-list small">
              {Object.entries(selectedRow.cosine).map(([pair, value]) => (
                <li key={pair}>
                  {pair}: cos {formatMetric(value, 'cosine')}, L2 {formatMetric(selectedRow.l2[pair] ?? null, 'distance')}
                </li>
              ))}
              {Object.entries(selectedRow.norm).map(([run, value]) => (
                <li key={run}>
                  {run}: norm {formatMetric(value, 'distance')}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
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
        {figures.heatmap ? (
          <div className="panel">
            <Plot figure={figures.heatmap} title="Cosine similarity: layers × pairs" onLayerClick={onLayerClick} testId="plot-heatmap" />
          </div>
        ) : null}
      </div>
      <div className="panel">
        <h2>Layers</h2>
        <DataGrid columns={columns} data={rows} label="Per-layer metrics" pageSize={50} testId="layer-table" searchPlaceholder="Filter layers…" />
      </div>
    </section>
  );
}
