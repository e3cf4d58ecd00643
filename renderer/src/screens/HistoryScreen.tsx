import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ExperimentStatus, ExperimentSummary, PairHeadline, RunRef } from '../../../src/contract/index.js';
import { ImportMergedPlanPanel } from '../components/ClusterPlanPanels.js';
import type { gridFeatures } from '../components/DataGrid.js';
import { DataGrid, type GridColumn } from '../components/DataGrid.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { countOf, formatDateTime, formatEta } from '../format.js';
import { formatMetric } from '../results-math.js';
import { runStarted } from '../run-started.js';
import { useWorkbench } from '../workspace.js';

const helper = createColumnHelper<typeof gridFeatures, ExperimentSummary>();

function sameRun(a: RunRef, b: RunRef): boolean {
  return a.experimentId === b.experimentId && a.runName === b.runName;
}

/** A run of this workbench that stopped early can continue from its next sample. */
function resumable(summary: ExperimentSummary): boolean {
  return summary.source === 'workbench' && (summary.status === 'interrupted' || summary.status === 'failed');
}

/** The recorded settings a column can show, in the engine's order, with their column titles. */
const SETTING_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['dataset', 'Dataset'],
  ['datasetFile', 'File'],
  ['prompt', 'Prompt'],
  ['promptStrategy', 'Strategy'],
  ['outputFormat', 'Output format'],
  ['fewShot', 'Few-shot'],
  ['answerFirst', 'Answer first'],
  ['contrarian', 'Contrarian'],
  ['seed', 'Seed'],
  ['pooling', 'Pooling'],
  ['hook', 'Capture point'],
  ['layers', 'Layers'],
  ['maxInputTokens', 'Max input tokens'],
];

/** Columns that can be shown or hidden, with the ones shown at first. */
const OPTIONAL_COLUMNS: ReadonlyArray<{ id: string; title: string; shown: boolean }> = [
  { id: 'duration', title: 'Duration', shown: false },
  ...SETTING_COLUMNS.map(([key, title]) => ({ id: `setting:${key}`, title, shown: false })),
  { id: 'lowestCosine', title: 'Lowest cosine', shown: true },
  { id: 'highestL2', title: 'Max L2', shown: true },
  { id: 'beyondChance', title: 'Beyond chance', shown: true },
  { id: 'tags', title: 'Tags', shown: true },
  { id: 'notes', title: 'Notes', shown: false },
];

const COLUMNS_KEY = 'cotlab-history-columns';

/** The optional columns shown, as the researcher last chose them in this browser. */
function storedColumnChoice(): Set<string> {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null');
    if (Array.isArray(stored) && stored.every((id) => typeof id === 'string')) return new Set(stored);
  } catch {
    // An unreadable choice falls back to the defaults.
  }
  return new Set(OPTIONAL_COLUMNS.filter((column) => column.shown).map((column) => column.id));
}

/** A setting over an experiment's runs: one value when they share it, else each run's in run order. */
function settingOf(summary: ExperimentSummary, key: string): string {
  const values = summary.runs.map((run) => run.settings.find((entry) => entry.key === key)?.value ?? '–');
  return new Set(values).size <= 1 ? (values[0] ?? '–') : values.join(' / ');
}

/** A headline number of each compared pair, one line per pair. */
function PairLines({ pairs, text }: { pairs: readonly PairHeadline[]; text: (pair: PairHeadline) => string | null }) {
  const lines = pairs.map(text).filter((line): line is string => line !== null);
  if (lines.length === 0) return <span className="muted">–</span>;
  return (
    <span className="metric-cell">
      {lines.map((line, i) => (
        <span key={i} title={pairs.length > 1 ? `${pairs[i]?.runA} vs ${pairs[i]?.runB}` : undefined}>
          {line}
        </span>
      ))}
    </span>
  );
}

export function HistoryScreen() {
  const { api, workspace, update, navigate } = useWorkbench();
  const runState = workspace.run?.state;
  const [items, setItems] = useState<ExperimentSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [statusCounts, setStatusCounts] = useState<Array<{ status: ExperimentStatus; count: number }>>([]);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<ExperimentStatus | ''>('');
  const [picked, setPicked] = useState<RunRef[]>([]);
  const [shownColumns, setShownColumns] = useState<Set<string>>(storedColumnChoice);
  // Kept apart: a background refresh of the list must not wipe the error of an action the researcher just took.
  const [listError, setListError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);

  const refresh = useCallback(async () => {
    try {
      const answer = await api.call('listExperiments', { search, status: status === '' ? null : status, limit: 500 });
      setItems(answer.items);
      setTotal(answer.total);
      setStatusCounts(answer.statusCounts);
      setListError(null);
    } catch (failure) {
      setListError(failure);
    }
  }, [api, search, status]);

  // A run finishing elsewhere changes the list (its status, a new experiment).
  useEffect(() => {
    void refresh();
  }, [refresh, runState]);

  // The status chosen may no longer occur (its last experiment deleted): show every status again.
  useEffect(() => {
    if (status !== '' && statusCounts.length > 0 && !statusCounts.some((entry) => entry.status === status)) setStatus('');
  }, [status, statusCounts]);

  const toggleColumn = (id: string, shown: boolean) => {
    setShownColumns((current) => {
      const next = new Set(current);
      if (shown) next.add(id);
      else next.delete(id);
      localStorage.setItem(COLUMNS_KEY, JSON.stringify([...next]));
      return next;
    });
  };

  const open = useCallback(
    async (id: string) => {
      try {
        update({ results: await api.call('getExperiment', { id }) });
        navigate('results');
      } catch (failure) {
        setError(failure);
      }
    },
    [api, update, navigate],
  );

  const remove = useCallback(
    async (summary: ExperimentSummary) => {
      if (!window.confirm(`Delete experiment ${summary.id} (${summary.variants.join(', ')}) from the history? This cannot be undone.`)) return;
      try {
        await api.call('deleteExperiment', { id: summary.id });
        setPicked((current) => current.filter((ref) => ref.experimentId !== summary.id));
        await refresh();
      } catch (failure) {
        setError(failure);
      }
    },
    [api, refresh],
  );

  const resume = useCallback(
    async (summary: ExperimentSummary) => {
      try {
        const { runId } = await api.call('resumeExperiment', { id: summary.id });
        update((current) => ({
          run: runStarted(current.run, runId, { variantCount: summary.variants.length, message: `Resuming experiment ${summary.id}…`, experimentId: summary.id }),
        }));
        navigate('experiment');
      } catch (failure) {
        setError(failure);
      }
    },
    [api, update, navigate],
  );

  const compare = async () => {
    setError(null);
    try {
      update({ results: await api.call('compareRuns', { runs: picked }) });
      navigate('results');
    } catch (failure) {
      setError(failure);
    }
  };

  const togglePick = useCallback((ref: RunRef) => {
    setPicked((current) => (current.some((entry) => sameRun(entry, ref)) ? current.filter((entry) => !sameRun(entry, ref)) : [...current, ref]));
  }, []);

  const columns = useMemo(
    () =>
      [
        helper.accessor((row) => Number(row.id), { id: 'id', header: '#', sortFn: 'basic' }),
        helper.accessor('createdAt', { header: 'Date', sortFn: 'alphanumeric', cell: (info) => {
            const [day, time] = formatDateTime(info.getValue()).split(' ');
            return (
              <span className="date-cell">
                {day}
                <br />
                {time}
              </span>
            );
          },
        }),
        helper.accessor('model', { header: 'Model', sortFn: 'alphanumeric', cell: (info) => <span className="wrap-name">{info.getValue()}</span> }),
        helper.accessor((row) => row.runs.map((run) => run.label).join(' '), {
          id: 'variants',
          header: 'Runs',
          sortFn: 'alphanumeric',
          cell: (info) => {
            const summary = info.row.original;
            return (
              <span className="chips runs-cell">
                {summary.runs.map((run) => {
                  const ref = { experimentId: summary.id, runName: run.name };
                  const setApart = run.differences.map((entry) => `${entry.label} ${entry.value}`).join(', ');
                  return (
                    <label key={run.name} className="chip run-chip" title={setApart === '' ? undefined : `Set apart by: ${setApart}`}>
                      <input
                        type="checkbox"
                        checked={picked.some((entry) => sameRun(entry, ref))}
                        onChange={() => togglePick(ref)}
                        aria-label={`Pick run ${run.name} of experiment ${summary.id}`}
                      />
                      <span className="wrap-name">{run.label}</span>
                    </label>
                  );
                })}
              </span>
            );
          },
        }),
        helper.accessor('samples', { header: 'Samples', sortFn: 'basic' }),
        helper.accessor((row) => row.durationSeconds ?? -1, {
          id: 'duration',
          header: 'Duration',
          sortFn: 'basic',
          cell: (info) => <span className="nowrap-cell">{formatEta(info.row.original.durationSeconds)}</span>,
        }),
        helper.accessor('status', {
          header: 'Status',
          sortFn: 'alphanumeric',
          cell: (info) => {
            const summary = info.row.original;
            return (
              <span className="metric-cell">
                <span className={`state-label state-${summary.status}`}>{summary.status}</span>
                {summary.error !== null && summary.status !== 'completed' ? (
                  <span className="muted small clip-2" title={summary.error} data-testid="history-error">
                    {summary.error}
                  </span>
                ) : null}
              </span>
            );
          },
        }),
        ...SETTING_COLUMNS.map(([key, title]) =>
          helper.accessor((row) => settingOf(row, key), {
            id: `setting:${key}`,
            header: title,
            sortFn: 'alphanumeric',
            cell: (info) => <span className="wrap-name">{info.getValue()}</span>,
          }),
        ),
        helper.accessor((row) => row.pairs[0]?.lowestCosine?.value ?? Number.POSITIVE_INFINITY, {
          id: 'lowestCosine',
          header: 'Lowest cosine',
          sortFn: 'basic',
          cell: (info) => <PairLines pairs={info.row.original.pairs} text={(pair) => (pair.lowestCosine ? `L${pair.lowestCosine.layer} ${formatMetric(pair.lowestCosine.value, 'cosine')}` : null)} />,
        }),
        helper.accessor((row) => row.pairs[0]?.highestL2?.value ?? Number.NEGATIVE_INFINITY, {
          id: 'highestL2',
          header: 'Max L2',
          sortFn: 'basic',
          cell: (info) => <PairLines pairs={info.row.original.pairs} text={(pair) => (pair.highestL2 ? `L${pair.highestL2.layer} ${formatMetric(pair.highestL2.value, 'distance')}` : null)} />,
        }),
        helper.accessor((row) => row.pairs[0]?.layersBeyondChance ?? -1, {
          id: 'beyondChance',
          header: 'Beyond chance',
          sortFn: 'basic',
          cell: (info) => (
            <PairLines pairs={info.row.original.pairs} text={(pair) => (pair.layersBeyondChance === null ? null : `${pair.layersBeyondChance} of ${pair.testedLayers}`)} />
          ),
        }),
        helper.accessor((row) => row.tags.join(' '), {
          id: 'tags',
          header: 'Tags',
          sortFn: 'alphanumeric',
          cell: (info) => (
            <span className="chips">
              {info.row.original.tags.map((tag) => (
                <span key={tag} className="chip tag-chip">
                  {tag}
                </span>
              ))}
            </span>
          ),
        }),
        helper.accessor('notes', { header: 'Notes', sortFn: 'alphanumeric', cell: (info) => <span className="clip-2" title={info.getValue()}>{info.getValue()}</span> }),
        helper.display({
          id: 'actions',
          header: 'Actions',
          cell: (info) => (
            <span className="actions-cell">
              <button type="button" className="compact" onClick={() => void open(info.row.original.id)} aria-label={`Open experiment ${info.row.original.id}`}>
                Open
              </button>
              {resumable(info.row.original) ? (
                <button type="button" className="compact" onClick={() => void resume(info.row.original)} aria-label={`Resume experiment ${info.row.original.id}`}>
                  Resume
                </button>
              ) : null}
              <button type="button" className="compact danger" onClick={() => void remove(info.row.original)} aria-label={`Delete experiment ${info.row.original.id}`}>
                Delete
              </button>
            </span>
          ),
        }),
      ] as GridColumn<ExperimentSummary>[],
    [open, remove, resume, picked, togglePick],
  );

  const hiddenColumns = OPTIONAL_COLUMNS.filter((column) => !shownColumns.has(column.id)).map((column) => column.id);

  return (
    <section className="screen" aria-labelledby="history-title">
      <header className="screen-header">
        <h1 id="history-title">History</h1>
        <p className="muted">
          Every stored experiment. Open one, resume one that stopped early, or tick runs (also from different experiments) and compare them.
        </p>
      </header>
      <div className="panel stack">
        <div className="row">
          <label className="grow">
            Search settings, files, notes and tags
            <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} placeholder="e.g. plain, hare.tsv, last_token, pilot" />
          </label>
          <label>
            Status
            <select value={status} onChange={(event) => setStatus(event.target.value as ExperimentStatus | '')}>
              <option value="">any</option>
              {statusCounts.map((entry) => (
                <option key={entry.status} value={entry.status}>
                  {entry.status} ({entry.count})
                </option>
              ))}
            </select>
          </label>
          <details className="column-chooser align-end">
            <summary>Columns</summary>
            <fieldset>
              <legend>Show columns</legend>
              {OPTIONAL_COLUMNS.map((column) => (
                <label key={column.id} className="check">
                  <input type="checkbox" checked={shownColumns.has(column.id)} onChange={(event) => toggleColumn(column.id, event.target.checked)} />
                  {column.title}
                </label>
              ))}
            </fieldset>
          </details>
          <button type="button" className="primary align-end" disabled={picked.length < 2} onClick={() => void compare()}>
            Compare {picked.length} picked runs
          </button>
        </div>
        <ErrorNotice error={listError} title="The history could not be read." />
        <ErrorNotice error={error} />
        <p className="muted small">{countOf(total, 'experiment')} found. Tick runs in the Runs column to compare them, also across experiments.</p>
        <DataGrid
          className="history-grid"
          columns={columns}
          data={items}
          label="Stored experiments"
          testId="history-grid"
          onRowActivate={(row) => void open(row.id)}
          hiddenColumns={hiddenColumns}
        />
        <ImportMergedPlanPanel api={api} onImported={() => void refresh()} />
      </div>
    </section>
  );
}
