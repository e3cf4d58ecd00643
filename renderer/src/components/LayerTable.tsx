import { createColumnHelper } from '@tanstack/react-table';
import { useMemo } from 'react';
import type { Interval, ResultSet } from '../../../src/contract/index.js';
import { formatInterval, formatMetric, formatP, layerRows, pairLabel, type LayerRow } from '../results-math.js';
import type { gridFeatures } from './DataGrid.js';
import { DataGrid, type GridColumn } from './DataGrid.js';

const helper = createColumnHelper<typeof gridFeatures, LayerRow>();

function Heading({ metric, pair }: { metric: string; pair: string | null }) {
  return (
    <span className="column-heading">
      {metric}
      {pair ? <span className="muted small">{pair}</span> : null}
    </span>
  );
}

function WithInterval({ value, interval, kind }: { value: number | null; interval: Interval | null; kind: 'cosine' | 'distance' }) {
  return (
    <span className="metric-cell">
      {formatMetric(value, kind)}
      {interval ? <span className="muted small">{formatInterval(interval, kind)}</span> : null}
    </span>
  );
}

function columnsFor(result: ResultSet): GridColumn<LayerRow>[] {
  // With one pair the pair's name is in the page already; with several, each column says which pair it is.
  const named = result.comparisons.length > 1;
  const pairColumns = result.comparisons.flatMap((comparison) => {
    const pair = pairLabel(comparison);
    const heading = named ? pair : null;
    const level = comparison.analysis?.significanceLevel ?? null;
    const confidence = comparison.analysis ? ` [${Math.round(comparison.analysis.confidenceLevel * 100)}% CI]` : '';
    const columns = [
      helper.accessor((row) => row.pairs[pair]?.cosine ?? null, {
        id: `cos:${pair}`,
        header: () => <Heading metric={`Cosine${confidence}`} pair={heading} />,
        sortFn: 'basic',
        cell: (info) => <WithInterval value={info.getValue()} interval={info.row.original.pairs[pair]?.cosineCi ?? null} kind="cosine" />,
      }),
      helper.accessor((row) => row.pairs[pair]?.l2 ?? null, {
        id: `l2:${pair}`,
        header: () => <Heading metric={`L2${confidence}`} pair={heading} />,
        sortFn: 'basic',
        cell: (info) => <WithInterval value={info.getValue()} interval={info.row.original.pairs[pair]?.l2Ci ?? null} kind="distance" />,
      }),
      helper.accessor((row) => row.pairs[pair]?.pValueHolm ?? null, {
        id: `p:${pair}`,
        header: () => <Heading metric="p (Holm)" pair={heading} />,
        sortFn: 'basic',
        cell: (info) => {
          const p = info.getValue();
          const significant = p !== null && level !== null && p < level;
          return <span className={significant ? 'significant' : undefined}>{formatP(p)}</span>;
        },
      }),
    ];
    if (comparison.paired) {
      columns.push(
        helper.accessor((row) => row.pairs[pair]?.cka ?? null, {
          id: `cka:${pair}`,
          header: () => <Heading metric="CKA" pair={heading} />,
          sortFn: 'basic',
          cell: (info) => formatMetric(info.getValue(), 'cosine'),
        }),
      );
    }
    return columns;
  });
  return [
    helper.accessor('layer', { header: 'Layer', sortFn: 'basic' }),
    ...pairColumns,
    ...result.runs.map((run) =>
      helper.accessor((row) => row.norm[run.label] ?? null, {
        id: `norm:${run.label}`,
        header: () => <Heading metric="Norm" pair={run.label} />,
        sortFn: 'basic',
        cell: (info) => formatMetric(info.getValue(), 'distance'),
      }),
    ),
  ] as GridColumn<LayerRow>[];
}

/** Every layer's numbers: per pair cosine and L2 with their intervals, the Holm-adjusted p-value, CKA; per run the norm. */
export function LayerTable({ result }: { result: ResultSet }) {
  const columns = useMemo(() => columnsFor(result), [result]);
  const rows = useMemo(() => layerRows(result), [result]);
  return <DataGrid columns={columns} data={rows} label="Per-layer metrics" pageSize={50} testId="layer-table" searchPlaceholder="Filter layers…" />;
}
