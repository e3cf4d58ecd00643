import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useMemo, useState } from 'react';
import type { AnswerFilter, AnswerFindingsView, AnswerPage, AnswerRow, Estimate, RunRef } from '../../../src/contract/index.js';
import { confusionFigure } from '../charts.js';
import { formatP } from '../results-math.js';
import type { WorkbenchApi } from '../api-client.js';
import { useWorkbench } from '../workspace.js';
import type { gridFeatures } from './DataGrid.js';
import { DataGrid, type GridColumn } from './DataGrid.js';
import { ErrorNotice } from './ErrorNotice.js';
import { Plot } from './Plot.js';

const helper = createColumnHelper<typeof gridFeatures, AnswerRow>();
/** The largest page the answers call returns; a run's answers are read page by page. */
const PAGE = 500;

const FILTERS: { filter: AnswerFilter; label: string; count: keyof AnswerPage['counts'] }[] = [
  { filter: 'all', label: 'All', count: 'all' },
  { filter: 'correct', label: 'Correct', count: 'correct' },
  { filter: 'incorrect', label: 'Incorrect', count: 'incorrect' },
  { filter: 'parse_failure', label: 'Parse failure', count: 'parseFailure' },
];

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

function EstimateCell({ estimate }: { estimate: Estimate }) {
  return (
    <span className="metric-cell">
      {percent(estimate.value)}
      {estimate.ci ? <span className="muted small">{`${percent(estimate.ci.low)} – ${percent(estimate.ci.high)}`}</span> : null}
    </span>
  );
}

function clipped(text: string | null, length: number): string {
  if (text === null) return '–';
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

const columns = [
  helper.accessor('position', { header: '#', sortFn: 'basic' }),
  helper.accessor((row) => row.text ?? '', {
    id: 'text',
    header: 'Sample text',
    sortFn: 'alphanumeric',
    cell: (info) => (
      <span className="answer-text" title={info.getValue()}>
        {clipped(info.row.original.text, 140)}
      </span>
    ),
  }),
  helper.accessor('rawOutput', {
    header: 'Raw output',
    sortFn: 'alphanumeric',
    cell: (info) => (
      <span className="answer-text mono" title={info.getValue()}>
        {clipped(info.getValue(), 140)}
      </span>
    ),
  }),
  helper.accessor((row) => (row.parseStatus === 'parsed' ? String(row.parsedValue) : row.parseStatus.replace('_', ' ')), {
    id: 'parsed',
    header: 'Parsed answer',
    sortFn: 'alphanumeric',
    cell: (info) =>
      info.row.original.parseStatus === 'parsed' ? (
        <span>
          {info.getValue()}
          {info.row.original.predicted !== null && info.row.original.predicted !== info.getValue() ? <span className="muted small"> → {info.row.original.predicted}</span> : null}
        </span>
      ) : (
        <span className="parse-failure" title={info.row.original.parseDetail ?? undefined}>
          {info.getValue()}
        </span>
      ),
  }),
  helper.accessor((row) => row.gold ?? '', { id: 'gold', header: 'Gold', sortFn: 'alphanumeric', cell: (info) => info.row.original.gold ?? '–' }),
  helper.accessor((row) => (row.correct === null ? 'not scored' : row.correct ? 'correct' : 'incorrect'), {
    id: 'correct',
    header: 'Correct',
    sortFn: 'alphanumeric',
    cell: (info) => <span className={`verdict verdict-${info.getValue().replace(' ', '-')}`}>{info.row.original.correct === null ? '—' : info.row.original.correct ? '✓' : '✗'}</span>,
  }),
] as GridColumn<AnswerRow>[];

/** Every answer of a run that matches the filter, read page by page. */
async function readAnswers(api: WorkbenchApi, ref: RunRef, filter: AnswerFilter): Promise<AnswerPage> {
  const first = await api.call('answers', { ref, filter, offset: 0, limit: PAGE });
  const rows = [...first.rows];
  while (rows.length < first.total) {
    const next = await api.call('answers', { ref, filter, offset: rows.length, limit: PAGE });
    if (next.rows.length === 0) break;
    rows.push(...next.rows);
  }
  return { ...first, rows };
}

/** The answers of one run: filter by correct / incorrect / parse failure, then the table. */
function AnswersTable({ refs }: { refs: readonly RunRef[] }) {
  const { api } = useWorkbench();
  const [runIndex, setRunIndex] = useState(0);
  const [filter, setFilter] = useState<AnswerFilter>('all');
  const [page, setPage] = useState<{ key: string; page: AnswerPage } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ref = refs[Math.min(runIndex, refs.length - 1)];
  const key = ref === undefined ? '' : `${ref.experimentId}/${ref.runName}/${filter}`;
  useEffect(() => {
    if (ref === undefined) return;
    let current = true;
    setError(null);
    readAnswers(api, ref, filter).then(
      (loaded) => {
        if (current) setPage({ key, page: loaded });
      },
      (failure: unknown) => {
        if (current) setError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, ref, filter, key]);
  const shown = page?.key === key ? page.page : null;
  return (
    <div className="stack">
      <div className="row">
        {refs.length > 1 ? (
          <label>
            Run{' '}
            <select data-testid="answers-run" value={runIndex} onChange={(event) => setRunIndex(Number(event.target.value))}>
              {refs.map((run, i) => (
                <option key={run.runName} value={i}>
                  {run.runName}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <div className="segmented" role="group" aria-label="Show answers">
          {FILTERS.map((entry) => (
            <button
              key={entry.filter}
              type="button"
              className={entry.filter === filter ? 'compact selected' : 'compact'}
              aria-pressed={entry.filter === filter}
              data-testid={`answers-filter-${entry.filter}`}
              onClick={() => setFilter(entry.filter)}
            >
              {entry.label}
              {shown ? ` (${shown.counts[entry.count]})` : ''}
            </button>
          ))}
        </div>
      </div>
      <ErrorNotice error={error} title="The answers could not be read." />
      {shown ? (
        <DataGrid columns={columns} data={shown.rows} label="Answers" testId="answers-table" pageSize={10} searchPlaceholder="Filter answers…" className="answers-grid" />
      ) : error === null ? (
        <p className="muted" role="status">
          Loading the answers…
        </p>
      ) : null}
    </div>
  );
}

/** Each variant's accuracy, balanced accuracy, macro-F1 and parse failures with their intervals, side by side. */
function MetricsTable({ findings }: { findings: AnswerFindingsView }) {
  const level = Math.round(findings.confidenceLevel * 100);
  const rows: { label: string; pick: (m: AnswerFindingsView['variants'][number]) => Estimate; testId: string }[] = [
    { label: 'Accuracy', pick: (m) => m.accuracy, testId: 'accuracy' },
    { label: 'Balanced accuracy', pick: (m) => m.balancedAccuracy, testId: 'balanced-accuracy' },
    { label: 'Macro-F1', pick: (m) => m.macroF1, testId: 'macro-f1' },
    { label: 'Parse failures', pick: (m) => m.parseFailureRate, testId: 'parse-failure-rate' },
  ];
  return (
    <div className="table-scroll">
      <table className="metrics-table" data-testid="answer-metrics">
        <thead>
          <tr>
            <th>Metric ({level}% CI)</th>
            {findings.variants.map((variant) => (
              <th key={variant.runName}>{variant.runName}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label} data-testid={`metric-${row.testId}`}>
              <th scope="row">{row.label}</th>
              {findings.variants.map((variant) => (
                <td key={variant.runName} data-run={variant.runName}>
                  <EstimateCell estimate={row.pick(variant)} />
                </td>
              ))}
            </tr>
          ))}
          <tr>
            <th scope="row">Scored / samples</th>
            {findings.variants.map((variant) => (
              <td key={variant.runName} data-testid="metric-scored" data-run={variant.runName}>
                {variant.correct} correct of {variant.scored} scored; {variant.samples} samples
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function McNemarTable({ findings }: { findings: AnswerFindingsView }) {
  if (findings.mcnemar.length === 0) return <p className="muted small">One variant: there is no pair to test.</p>;
  return (
    <div className="table-scroll">
      <table className="mcnemar-table" data-testid="mcnemar-table">
        <thead>
          <tr>
            <th>Pair</th>
            <th className="num">Paired samples</th>
            <th className="num">Only A right</th>
            <th className="num">Only B right</th>
            <th className="num">p (exact)</th>
            <th className="num">p (Holm)</th>
          </tr>
        </thead>
        <tbody>
          {findings.mcnemar.map((test) => (
            <tr key={`${test.runA}/${test.runB}`} className={test.significant ? 'marked' : undefined}>
              <td>
                {test.runA} vs {test.runB}
              </td>
              {test.notTested !== null ? (
                <td colSpan={5} className="muted">
                  not tested: {test.notTested}
                </td>
              ) : (
                <>
                  <td className="num">{test.pairedSamples}</td>
                  <td className="num">{test.onlyACorrect}</td>
                  <td className="num">{test.onlyBCorrect}</td>
                  <td className="num">{formatP(test.pValue)}</td>
                  <td className="num">
                    {formatP(test.pValueHolm)}
                    {test.significant ? ' *' : ''}
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">McNemar&apos;s exact test on the samples both variants answered; * Holm-adjusted p &lt; {findings.significanceLevel}.</p>
    </div>
  );
}

/** A classification run's answers, or an activation run's recorded ones: metrics, McNemar, confusion matrices, the table. */
export function AnswersPanel({ experimentId, refs }: { experimentId: string; refs: readonly RunRef[] }) {
  const { api } = useWorkbench();
  const [findings, setFindings] = useState<{ id: string; view: AnswerFindingsView } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    setError(null);
    api.call('answerFindings', { experimentId }).then(
      (view) => {
        if (current) setFindings({ id: experimentId, view });
      },
      (failure: unknown) => {
        if (current) setError(failure);
      },
    );
    return () => {
      current = false;
    };
  }, [api, experimentId]);
  const view = findings?.id === experimentId ? findings.view : null;
  const figures = useMemo(() => view?.variants.map((variant) => ({ name: variant.runName, figure: confusionFigure(variant) })) ?? [], [view]);
  return (
    <div className="stack" data-testid="answers-panel">
      <ErrorNotice error={error} title="The answers' metrics could not be read." />
      {view ? (
        <>
          <div className="panel stack">
            <h2>Answers: metrics per variant</h2>
            <MetricsTable findings={view} />
            <p className="muted small">
              Intervals: percentile bootstrap ({view.bootstrapResamples} resamples, seed {view.seed}). An answer that could not be read is never counted right or
              wrong: it is a parse failure.
            </p>
            <h3>Between variants</h3>
            <McNemarTable findings={view} />
          </div>
          <div className="plot-grid">
            {figures.map((entry) => (
              <div className="panel" key={entry.name}>
                <Plot figure={entry.figure} title={`Confusion matrix: ${entry.name}`} testId="plot-confusion" height={300} />
              </div>
            ))}
          </div>
        </>
      ) : error === null ? (
        <p className="muted" role="status">
          Loading the answers&apos; metrics…
        </p>
      ) : null}
      <div className="panel stack">
        <h2>Answers</h2>
        <AnswersTable refs={refs} />
      </div>
    </div>
  );
}
