import { createColumnHelper } from '@tanstack/react-table';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { ColumnMapping, DatasetEntry, DatasetFormat, DatasetPreview, DatasetSource, SampleRow } from '../../../src/contract/index.js';
import type { gridFeatures } from '../components/DataGrid.js';
import { DataGrid } from '../components/DataGrid.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { withDataset, useWorkbench } from '../workspace.js';

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

/** The loader a file's extension suggests; the researcher can change it. */
function formatFor(path: string): DatasetFormat {
  return /\.json$/i.test(path) ? 'radiology' : 'delimited';
}

const emptyMapping: ColumnMapping = { textColumn: null, labelColumn: null, metadataColumns: [], delimiter: null };

export function DatasetsScreen() {
  const { api, workspace, update } = useWorkbench();
  const [bundled, setBundled] = useState<DatasetEntry[]>([]);
  const [preview, setPreview] = useState<DatasetPreview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [pathInput, setPathInput] = useState('');
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    api.call('listDatasets', {}).then((answer) => setBundled(answer.datasets), setError);
  }, [api]);

  // Only the latest preview matters: an earlier one still loading (a large file) is withdrawn, so it stops parsing.
  const loading = useRef<AbortController | null>(null);
  useEffect(() => () => loading.current?.abort(), []);

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
        setPreview(answer);
        update((current) => withDataset(current, answer));
      } catch (failure) {
        if (!controller.signal.aborted) setError(failure);
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
  useEffect(() => {
    if (active && preview === null) void load(active.source);
  }, [active, preview, load]);

  const openPath = (path: string) => {
    const trimmed = path.trim();
    if (trimmed === '') return;
    void load({ kind: 'file', path: trimmed, format: formatFor(trimmed), mapping: emptyMapping });
  };

  const chooseFile = async () => {
    const path = await api.desktop?.openDatasetFile();
    if (path) openPath(path);
  };

  const onDrop = async (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (!file) return;
    try {
      const stored = await api.call('uploadDataset', { fileName: file.name, content: await file.text() });
      openPath(stored.path);
    } catch (failure) {
      setError(failure);
    }
  };

  const fileSource = preview?.source.kind === 'file' ? preview.source : null;
  const setMapping = (change: Partial<ColumnMapping>) => {
    if (!fileSource) return;
    void load({ ...fileSource, mapping: { ...fileSource.mapping, ...change } });
  };
  const setFormat = (format: DatasetFormat) => {
    if (fileSource) void load({ ...fileSource, format });
  };

  const rows = useMemo(() => preview?.rows ?? [], [preview]);

  return (
    <section className="screen" aria-labelledby="datasets-title">
      <header className="screen-header">
        <h1 id="datasets-title">Datasets</h1>
        <p className="muted">Open the medical text you want to compare. Bundled datasets load in one click.</p>
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
                    {entry.samples === null ? 'cannot be loaded' : `${entry.samples} samples`}
                    {entry.labels.length > 0 ? ` · labels ${entry.labels.map(({ label, count }) => `${label}: ${count}`).join(', ')}` : ''}
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
          ) : null}
          <form
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              openPath(pathInput);
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
          {workspace.datasets.length > 0 ? (
            <>
              <h2>Opened this session</h2>
              <ul className="plain-list" aria-label="Opened datasets">
                {workspace.datasets.map((dataset) => (
                  <li key={dataset.key}>
                    <button
                      type="button"
                      className={`list-button${dataset.key === workspace.activeDatasetKey ? ' selected' : ''}`}
                      onClick={() => void load(dataset.source)}
                    >
                      <strong>{dataset.label}</strong>
                      <span className="muted small">{dataset.totalSamples} samples</span>
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
                <span className="muted small clip path">{preview.path}</span>
              </div>
              {fileSource ? (
                <fieldset className="mapping">
                  <legend>Column mapping</legend>
                  <label>
                    Format
                    <select value={fileSource.format} onChange={(event) => setFormat(event.target.value as DatasetFormat)}>
                      <option value="delimited">Table / JSON lines (map columns)</option>
                      <option value="hare_tsv">HARE histopathology TSV</option>
                      <option value="radiology">CoTLab radiology JSON</option>
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
