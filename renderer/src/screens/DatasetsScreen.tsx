import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { ColumnMapping, DatasetDetection, DatasetFormat, DatasetPreview, DatasetSource, SampleRow } from '../../../src/contract/index.js';
import type { gridFeatures } from '../components/DataGrid.js';
import { DataGrid } from '../components/DataGrid.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { datasetChoices, describeCounts, fileDatasetName, uniqueDatasetName, withDataset } from '../dataset-choices.js';
import { useWorkbench } from '../workspace.js';

const helper = createColumnHelper<typeof gridFeatures, SampleRow>();
const sampleColumns = helper.columns([
  helper.accessor('idx', { header: 'Index', sortFn: 'basic' }),
  helper.accessor('text', {
    header: 'Text',
    sortFn: 'alphanumeric',
    cell: (info) => (
      <span className="clip sample-text" title={info.getValue()}>
        {info.getValue()}
      </span>
    ),
  }),
  helper.accessor((row) => (row.label === null ? '' : String(row.label)), { id: 'label', header: 'Label', sortFn: 'alphanumeric' }),
  helper.accessor((row) => metadataSummary(row.metadata), {
    id: 'metadata',
    header: 'Metadata',
    sortFn: 'alphanumeric',
    cell: (info) => <span className="clip small">{info.getValue()}</span>,
  }),
]);

function metadataSummary(metadata: Record<string, unknown>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

const FORMAT_NAMES: Record<DatasetFormat, string> = {
  hare_tsv: 'HARE annotation TSV',
  radiology: 'CoTLab radiology JSON / CSV',
  delimited: 'Table / JSON lines (map columns)',
};

/** The base name of a path on either kind of system. */
function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

export function DatasetsScreen() {
  const { api, workspace, update } = useWorkbench();
  const [preview, setPreview] = useState<DatasetPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [pathInput, setPathInput] = useState('');
  const [dragging, setDragging] = useState(false);
  const bundled = workspace.bundled;
  const choices = useMemo(() => datasetChoices(bundled, workspace.datasets), [bundled, workspace.datasets]);

  // Only the latest preview matters: an earlier one still loading (a large file) is withdrawn, so it stops parsing.
  const loading = useRef<AbortController | null>(null);
  useEffect(() => () => loading.current?.abort(), []);

  /** Loads a preview; a dataset that yields samples is listed (a file keeps the path the engine resolved). */
  const load = useCallback(
    async (source: DatasetSource) => {
      loading.current?.abort();
      const controller = new AbortController();
      loading.current = controller;
      setBusy(true);
      setError(null);
      try {
        const answer = await api.call('loadDatasetPreview', { source }, { signal: controller.signal });
        if (controller.signal.aborted) return;
        const resolved: DatasetPreview = answer.source.kind === 'file' ? { ...answer, source: { ...answer.source, path: answer.path } } : answer;
        setPreview(resolved);
        if (resolved.totalSamples > 0) update((current) => withDataset(current.datasets, resolved));
      } catch (failure) {
        if (controller.signal.aborted) return;
        setPreview(null);
        setError(failure);
      } finally {
        if (loading.current === controller) {
          loading.current = null;
          setBusy(false);
        }
      }
    },
    [api, update],
  );

  const active = workspace.datasets.find((dataset) => dataset.key === workspace.activeDatasetKey) ?? null;
  // Coming back to the screen (or after a reload) shows the active dataset again, once.
  const shownOnEntry = useRef(active);
  useEffect(() => {
    if (shownOnEntry.current) void load(shownOnEntry.current.source);
    shownOnEntry.current = null;
  }, [load]);

  /** Opens a file by path: the engine tells its format from the content; `shownName` is the name it was picked under. */
  const openFile = async (path: string, shownName = baseName(path)) => {
    const trimmed = path.trim();
    if (trimmed === '') return;
    setBusy(true);
    setError(null);
    let detected: DatasetDetection;
    try {
      detected = await api.call('detectDatasetFormat', { path: trimmed });
    } catch (failure) {
      setPreview(null);
      setError(failure);
      setBusy(false);
      return;
    }
    const existing = workspace.datasets.find((dataset) => dataset.source.kind === 'file' && dataset.source.path === trimmed);
    // The name must not clash with a bundled one either, also when the list of bundled datasets is still on its way.
    const taken = bundled.length > 0 ? choices : datasetChoices((await api.call('listDatasets', {}).catch(() => ({ datasets: [] }))).datasets, workspace.datasets);
    const name = existing?.label ?? uniqueDatasetName(fileDatasetName(shownName), `file:${trimmed}`, taken);
    await load({ kind: 'file', path: trimmed, format: detected.format, mapping: detected.mapping, name });
  };

  const chooseFile = async () => {
    const path = await api.desktop?.openDatasetFile();
    if (path) await openFile(path);
  };

  /** A file handed over by the browser (picked or dropped) is stored by the server, then opened under its own name. */
  const openUpload = async (file: File) => {
    try {
      const stored = await api.call('uploadDataset', { fileName: file.name, content: await file.text() });
      await openFile(stored.path, file.name);
    } catch (failure) {
      setError(failure);
    }
  };

  const onDrop = async (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) await openUpload(file);
  };

  const fileSource = preview?.source.kind === 'file' ? preview.source : null;
  const setMapping = (change: Partial<ColumnMapping>) => {
    if (!fileSource) return;
    void load({ ...fileSource, mapping: { ...fileSource.mapping, ...change } });
  };
  const setFormat = (format: DatasetFormat) => {
    if (!fileSource) return;
    const detected = preview?.detected;
    // Back to a table: start from the columns the engine guessed rather than an empty mapping.
    const mapping = format === 'delimited' && detected?.format === 'delimited' && fileSource.mapping.textColumn === null ? detected.mapping : fileSource.mapping;
    void load({ ...fileSource, format, mapping });
  };
  const remove = (key: string) =>
    update((current) => ({
      datasets: current.datasets.filter((dataset) => dataset.key !== key),
      activeDatasetKey: current.activeDatasetKey === key ? null : current.activeDatasetKey,
    }));

  const rows = useMemo(() => preview?.rows ?? [], [preview]);
  const opened = workspace.datasets.filter((dataset) => dataset.source.kind === 'file');

  return (
    <section className="screen" aria-labelledby="datasets-title">
      <header className="screen-header">
        <h1 id="datasets-title">Datasets</h1>
        <p className="muted">Open the medical text you want to compare. Bundled datasets load in one click; the format of a file is told from its content.</p>
      </header>
      <div className="two-column">
        <div className="panel stack">
          <h2>Bundled</h2>
          <ul className="plain-list" aria-label="Bundled datasets">
            {bundled.map((entry) => (
              <li key={entry.name}>
                <button
                  type="button"
                  className={`list-button${active?.key === `bundled:${entry.name}` ? ' selected' : ''}`}
                  onClick={() => void load({ kind: 'bundled', name: entry.name })}
                >
                  <strong>{entry.name}</strong>
                  <span className="small" data-testid="dataset-card-counts">
                    {entry.samples === null ? 'cannot be loaded' : describeCounts({ totalSamples: entry.samples, labels: entry.labels })}
                  </span>
                  <span className="muted small">{entry.problem ?? entry.description ?? entry.path}</span>
                </button>
              </li>
            ))}
          </ul>
          <h2>Open a file</h2>
          {api.desktop ? (
            <button type="button" onClick={() => void chooseFile()}>
              Choose TSV, CSV or JSON…
            </button>
          ) : (
            <label className="file-picker">
              <span className="file-picker-button">Choose a TSV, CSV, JSON or JSONL file…</span>
              <input
                type="file"
                className="file-input"
                accept=".tsv,.csv,.json,.jsonl"
                aria-label="Choose a dataset file"
                onChange={(event) => {
                  const file = event.target.files?.[0];
                  event.target.value = '';
                  if (file) void openUpload(file);
                }}
              />
            </label>
          )}
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void openFile(pathInput);
            }}
          >
            <label htmlFor="dataset-path">Path on the workbench machine</label>
            <div className="row">
              <input id="dataset-path" value={pathInput} onChange={(event) => setPathInput(event.target.value)} placeholder="/data/reports.tsv" />
              <button type="submit">Open</button>
            </div>
          </form>
          <div
            className={`drop-zone${dragging ? ' dragging' : ''}`}
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(event) => void onDrop(event)}
            aria-label="Drop a dataset file here"
          >
            Drop a .tsv, .csv, .json or .jsonl file here
          </div>
          {opened.length > 0 ? (
            <>
              <h2>Opened files</h2>
              <ul className="plain-list" aria-label="Opened datasets">
                {opened.map((dataset) => (
                  <li key={dataset.key} className="row nowrap">
                    <button
                      type="button"
                      className={`list-button grow${dataset.key === workspace.activeDatasetKey ? ' selected' : ''}`}
                      onClick={() => void load(dataset.source)}
                      title={dataset.source.kind === 'file' ? dataset.source.path : undefined}
                    >
                      <strong className="clip">{dataset.label}</strong>
                      <span className="muted small" data-testid="opened-dataset-counts">
                        {describeCounts(dataset)}
                      </span>
                    </button>
                    <button type="button" className="icon-button" aria-label={`Close ${dataset.label}`} title="Remove from the opened datasets" onClick={() => remove(dataset.key)}>
                      ✕
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
        <div className="panel stack grow">
          <ErrorNotice error={error} title="This dataset could not be loaded." />
          {busy ? <p className="muted" role="status">Loading…</p> : null}
          {preview ? (
            <>
              <div className="row spread">
                <h2 data-testid="dataset-title">
                  {preview.name} <span className="muted small">{preview.totalSamples} samples</span>
                </h2>
                <span className="muted small clip path" title={preview.path}>
                  {preview.path}
                </span>
              </div>
              {preview.labels.length > 0 ? (
                <p className="small" data-testid="dataset-labels">
                  Labels: {preview.labels.map(({ label, count }) => `${label}: ${count}`).join(', ')}
                </p>
              ) : null}
              {preview.detected ? (
                <p className="muted small" data-testid="dataset-detected">
                  Detected: {FORMAT_NAMES[preview.detected.format]} ({preview.detected.reason}).
                </p>
              ) : null}
              {fileSource && preview.detected && preview.detected.format !== fileSource.format ? (
                <div className="notice notice-warn row spread" data-testid="dataset-format-mismatch">
                  <span>
                    This file looks like {FORMAT_NAMES[preview.detected.format]}, but it is read as {FORMAT_NAMES[fileSource.format]}.
                  </span>
                  <button type="button" onClick={() => preview.detected && setFormat(preview.detected.format)}>
                    Read it as detected
                  </button>
                </div>
              ) : null}
              {fileSource && fileSource.format === 'delimited' && preview.totalSamples === 0 ? (
                <p className="notice notice-info" role="note">
                  Choose the column that holds the text; the file is listed as a dataset once it yields samples.
                </p>
              ) : null}
              {fileSource ? (
                <fieldset className="mapping">
                  <legend>Column mapping</legend>
                  <label>
                    Format
                    <select value={fileSource.format} onChange={(event) => setFormat(event.target.value as DatasetFormat)}>
                      {(Object.keys(FORMAT_NAMES) as DatasetFormat[]).map((format) => (
                        <option key={format} value={format}>
                          {FORMAT_NAMES[format]}
                        </option>
                      ))}
                    </select>
                  </label>
                  {fileSource.format === 'delimited' ? (
                    <>
                      <label>
                        Text
                        <select value={fileSource.mapping.textColumn ?? ''} onChange={(event) => setMapping({ textColumn: event.target.value || null })}>
                          <option value="">choose…</option>
                          {preview.columns.map((column) => (
                            <option key={column}>{column}</option>
                          ))}
                        </select>
                      </label>
                      <label>
                        Label
                        <select value={fileSource.mapping.labelColumn ?? ''} onChange={(event) => setMapping({ labelColumn: event.target.value || null })}>
                          <option value="">none</option>
                          {preview.columns.map((column) => (
                            <option key={column}>{column}</option>
                          ))}
                        </select>
                      </label>
                      <div className="metadata-choice" role="group" aria-label="Metadata columns">
                        Metadata
                        {preview.columns.map((column) => (
                          <label key={column} className="check">
                            <input
                              type="checkbox"
                              checked={fileSource.mapping.metadataColumns.includes(column)}
                              onChange={(event) =>
                                setMapping({
                                  metadataColumns: event.target.checked
                                    ? [...fileSource.mapping.metadataColumns, column]
                                    : fileSource.mapping.metadataColumns.filter((c) => c !== column),
                                })
                              }
                            />
                            {column}
                          </label>
                        ))}
                      </div>
                    </>
                  ) : null}
                </fieldset>
              ) : null}
              <DataGrid key={preview.path} columns={sampleColumns} data={rows} label={`${preview.name} samples`} testId="dataset-grid" />
            </>
          ) : !busy ? (
            <p className="muted empty-state">Choose a bundled dataset or open a file to see its samples.</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}
