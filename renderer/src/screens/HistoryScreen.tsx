import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ExperimentSummary, RunRef } from '../../../src/contract/index.js';
import type { gridFeatures } from '../components/DataGrid.js';
import { DataGrid, type GridColumn } from '../components/DataGrid.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { countOf, formatDateTime, formatEta } from '../format.js';
import { useWorkbench } from '../workspace.js';

const helper = createColumnHelper<typeof gridFeatures, ExperimentSummary>();
const STATUSES = ['completed', 'running', 'interrupted', 'failed'] as const;

function sameRun(a: RunRef, b: RunRef): boolean {
  return a.experimentId === b.experimentId && a.runName === b.runName;
}

/** A run of this workbench that stopped early can continue from its next sample. */
function resumable(summary: ExperimentSummary): boolean {
  return summary.source === 'workbench' && (summary.status === 'interrupted' || summary.status === 'failed');
}

export function HistoryScreen() {
  const { api, workspace, update, navigate } = useWorkbench();
  const runState = workspace.run?.state;
  const [items, setItems] = useState<ExperimentSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<ExperimentSummary['status'] | ''>('');
  const [picked, setPicked] = useState<RunRef[]>([]);
  // Kept apart: a background refresh of the list must not wipe the error of an action the researcher just took.
  const [listError, setListError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);

  const refresh = useCallback(async () => {
    try {
      const answer = await api.call('listExperiments', { search, status: status === '' ? null : status, limit: 500 });
      setItems(answer.items);
      setTotal(answer.total);
      setListError(null);
    } catch (failure) {
      setListError(failure);
    }
  }, [api, search, status]);

  // A run finishing elsewhere changes the list (its status, a new experiment).
  useEffect(() => {
    void refresh();
  }, [refresh, runState]);

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
          run:
            current.run?.runId === runId
              ? current.run
              : {
                  runId,
                  state: 'starting',
                  variantName: null,
                  variantIndex: 0,
                  variantCount: summary.variants.length,
                  samplesDone: 0,
                  samplesTotal: 0,
                  samplesPerSecond: null,
                  etaSeconds: null,
                  message: `Resuming experiment ${summary.id}…`,
                  experimentId: summary.id,
                  queuePosition: null,
                },
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
        helper.accessor('createdAt', { header: 'Date', sortFn: 'alphanumeric', cell: (info) => <span className="nowrap-cell">{formatDateTime(info.getValue())}</span> }),
        helper.accessor('model', { header: 'Model', sortFn: 'alphanumeric', cell: (info) => <span className="nowrap-cell">{info.getValue()}</span> }),
        helper.accessor((row) => row.variants.join(' '), {
          id: 'variants',
          header: 'Runs',
          sortFn: 'alphanumeric',
          cell: (info) => {
            const summary = info.row.original;
            return (
              <span className="chips">
                {summary.variants.map((runName) => {
                  const ref = { experimentId: summary.id, runName };
                  return (
                    <label key={runName} className="chip">
                      <input type="checkbox" checked={picked.some((entry) => sameRun(entry, ref))} onChange={() => togglePick(ref)} aria-label={`Pick run ${runName} of experiment ${summary.id}`} />
                      {runName}
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
          cell: (info) => formatEta(info.row.original.durationSeconds),
        }),
        helper.accessor('status', { header: 'Status', sortFn: 'alphanumeric', cell: (info) => <span className={`state-label state-${info.getValue()}`}>{info.getValue()}</span> }),
        helper.display({
          id: 'actions',
          header: 'Actions',
          cell: (info) => (
            <span className="row nowrap">
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
            Search model, variant or dataset
            <input type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
          </label>
          <label>
            Status
            <select value={status} onChange={(event) => setStatus(event.target.value as ExperimentSummary['status'] | '')}>
              <option value="">any</option>
              {STATUSES.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <button type="button" className="primary align-end" disabled={picked.length < 2} onClick={() => void compare()}>
            Compare {picked.length} picked runs
          </button>
        </div>
        <ErrorNotice error={listError} title="The history could not be read." />
        <ErrorNotice error={error} />
        <p className="muted small">{countOf(total, 'experiment')} stored. Tick runs in the Runs column to compare them, also across experiments.</p>
        <DataGrid columns={columns} data={items} label="Stored experiments" testId="history-grid" onRowActivate={(row) => void open(row.id)} />
      </div>
    </section>
  );
}
