import { createColumnHelper } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import type { ComparisonView, Interval, ResultSet } from '../../../src/contract/index.js';
import { formatInterval, formatMetric, formatP, layerRows, pairLabel, type LayerRow } from '../results-math.js';
import type { gridFeatures } from './DataGrid.js';
import { DataGrid, type GridColumn } from './DataGrid.js';
import { PairSelect } from './PairSelect.js';

const helper = createColumnHelper<typeof gridFeatures, LayerRow>();

function Heading({ metric, detail }: { metric: string; detail: string | null }) {
  return (
    <span className="column-heading">
      {metric}
      {detail ? <span className="muted small wrap-name">{detail}</span> : null}
    </span>
  );
}

function WithInterval({ value, interval, kind, note }: { value: number | null; interval: Interval | null; kind: 'cosine' | 'distance'; note?: string | null }) {
  return (
    <span className="metric-cell">
      {formatMetric(value, kind)}
      {interval ? <span className="muted small">{formatInterval(interval, kind)}</span> : null}
      {note ? <span className="muted small">{note}</span> : null}
    </span>
  );
}

function columnsFor(result: ResultSet, comparison: ComparisonView | null): GridColumn<LayerRow>[] {
  // Accessors of different value types: typed as grid columns once, below.
  const pairColumns: unknown[] = [];
  if (comparison !== null) {
    const pair = pairLabel(comparison);
    const level = comparison.analysis?.significanceLevel ?? null;
    const confidence = comparison.analysis ? `${Math.round(comparison.analysis.confidenceLevel * 100)}% CI` : null;
    const at = (row: LayerRow) => row.pairs[pair] ?? null;
    const has = (pick: (layer: ComparisonView['layers'][number]) => number | null) => comparison.layers.some((layer) => pick(layer) !== null);
    pairColumns.push(
      helper.accessor((row) => at(row)?.cosine ?? null, {
        id: 'cosine',
        header: () => <Heading metric="Cosine" detail={confidence} />,
        sortFn: 'basic',
        cell: (info) => <WithInterval value={info.getValue()} interval={at(info.row.original)?.cosineCi ?? null} kind="cosine" />,
      }),
      helper.accessor((row) => at(row)?.l2 ?? null, {
        id: 'l2',
        header: () => <Heading metric="L2" detail={[confidence, has((layer) => layer.l2NoiseFloor) ? 'noise floor' : null].filter(Boolean).join(', ') || null} />,
        sortFn: 'basic',
        cell: (info) => {
          const floor = at(info.row.original)?.l2NoiseFloor ?? null;
          return (
            <WithInterval
              value={info.getValue()}
              interval={at(info.row.original)?.l2Ci ?? null}
              kind="distance"
              note={floor === null ? null : `floor ${formatMetric(floor, 'distance')}`}
            />
          );
        },
      }),
    );
    if (has((layer) => layer.centredCosine)) {
      pairColumns.push(
        helper.accessor((row) => at(row)?.centredCosine ?? null, {
          id: 'centredCosine',
          header: () => <Heading metric="Centred cosine" detail="about all runs’ mean" />,
          sortFn: 'basic',
          cell: (info) => formatMetric(info.getValue(), 'cosine'),
        }),
      );
    }
    if (has((layer) => layer.relativeL2)) {
      pairColumns.push(
        helper.accessor((row) => at(row)?.relativeL2 ?? null, {
          id: 'relativeL2',
          header: () => <Heading metric="Relative L2" detail="÷ mean norm" />,
          sortFn: 'basic',
          cell: (info) => formatMetric(info.getValue(), 'cosine'),
        }),
      );
    }
    pairColumns.push(
      helper.accessor((row) => at(row)?.pValueHolm ?? null, {
        id: 'pHolm',
        header: () => <Heading metric="p (Holm)" detail={null} />,
        sortFn: 'basic',
        cell: (info) => {
          const p = info.getValue();
          const significant = p !== null && level !== null && p < level;
          return <span className={significant ? 'significant' : undefined}>{formatP(p)}</span>;
        },
      }),
    );
    if (has((layer) => layer.cohensDHeldOut)) {
      pairColumns.push(
        helper.accessor((row) => at(row)?.cohensDHeldOut ?? null, {
          id: 'dHeldOut',
          header: () => <Heading metric="d (held-out)" detail="diff-in-means" />,
          sortFn: 'basic',
          cell: (info) => formatMetric(info.getValue(), 'distance'),
        }),
      );
    }
    if (comparison.paired) {
      pairColumns.push(
        helper.accessor((row) => at(row)?.cka ?? null, {
          id: 'cka',
          header: () => <Heading metric="CKA" detail={null} />,
          sortFn: 'basic',
          cell: (info) => formatMetric(info.getValue(), 'cosine'),
        }),
      );
    }
  }
  return [
    helper.accessor('layer', { header: 'Layer', sortFn: 'basic' }),
    ...pairColumns,
    // The norms of the pair's two runs (all runs when there is no pair).
    ...result.runs.filter((run) => comparison === null || run.label === comparison.runA || run.label === comparison.runB).map((run) =>
      helper.accessor((row) => row.norm[run.label] ?? null, {
        id: `norm:${run.label}`,
        header: () => <Heading metric={run.partial ? 'Norm so far' : 'Norm'} detail={run.label} />,
        sortFn: 'basic',
        cell: (info) => formatMetric(info.getValue(), 'distance'),
      }),
    ),
  ] as GridColumn<LayerRow>[];
}

/**
 * Every layer's numbers for one pair at a time (a chooser when there are several): cosine and L2 with their
 * intervals and the noise floor, the centred cosine (three runs or more), relative L2, the Holm-adjusted p-value, the held-out effect size, CKA; the norm of
 * each of its two runs.
 */
export function LayerTable({ result }: { result: ResultSet }) {
  const [pairIndex, setPairIndex] = useState(0);
  const comparison = result.comparisons[Math.min(pairIndex, result.comparisons.length - 1)] ?? null;
  const columns = useMemo(() => columnsFor(result, comparison), [result, comparison]);
  const rows = useMemo(() => layerRows(result), [result]);
  return (
    <div className="stack">
      <PairSelect comparisons={result.comparisons} value={pairIndex} onChange={setPairIndex} ariaLabel="Pair of the layer table" />
      <DataGrid columns={columns} data={rows} label="Per-layer metrics" pageSize={50} testId="layer-table" searchPlaceholder="Filter layers…" />
    </div>
  );
}
