import { useState } from 'react';
import type { ExportFormat, ExportedReport, ExportedVectors } from '../../../src/contract/index.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { downloadVectorsArchive, saveReport } from '../downloads.js';
import { useWorkbench } from '../workspace.js';

const FORMATS: { format: ExportFormat; label: string; hint: string }[] = [
  { format: 'markdown', label: 'EXPERIMENT.md', hint: 'CoTLab-style write-up' },
  { format: 'json', label: 'results.json', hint: 'CoTLab layout plus the analytics' },
  { format: 'html', label: 'HTML report', hint: 'self-contained with interactive plots' },
  { format: 'csv', label: 'CSV', hint: 'per-layer metrics with intervals and p-values' },
  { format: 'probingCsv', label: 'Probing CSV', hint: 'per-layer probe scores of the stored probes' },
];

export function ExportScreen() {
  const { api, workspace, navigate } = useWorkbench();
  const [error, setError] = useState<unknown>(null);
  const [last, setLast] = useState<{ report: ExportedReport; savedAs: string | null } | null>(null);
  const [vectors, setVectors] = useState<ExportedVectors | null>(null);
  const [archive, setArchive] = useState<{ fileName: string; bytes: number } | null>(null);
  const [archiveShare, setArchiveShare] = useState<number | null>(null);
  const experiment = workspace.results?.experiment ?? null;

  const exportAs = async (format: ExportFormat) => {
    if (!experiment) return;
    setError(null);
    try {
      const report = await api.call('exportReport', { experimentId: experiment.id, format });
      setLast({ report, savedAs: await saveReport(api, report) });
    } catch (failure) {
      setError(failure);
    }
  };

  /** On the desktop the .npy files go into a chosen folder; in a browser they come as one .tar download. */
  const exportNpy = async () => {
    if (!experiment) return;
    setError(null);
    try {
      if (api.desktop) {
        const dir = await api.desktop.chooseExportFolder();
        if (dir === null) return;
        setVectors(await api.call('exportVectors', { experimentId: experiment.id, dir }));
        return;
      }
      setArchive(null);
      setArchiveShare(0);
      setArchive(await downloadVectorsArchive(api, experiment.id, setArchiveShare));
    } catch (failure) {
      setError(failure);
    } finally {
      setArchiveShare(null);
    }
  };

  const exportPdf = async () => {
    if (api.desktop) {
      const savedAs = await api.desktop.printToPdf(`experiment-${experiment?.id ?? 'results'}.pdf`);
      if (savedAs) setLast(null);
      return;
    }
    // In a browser the print dialog offers "Save as PDF"; the print stylesheet shows the open results.
    navigate('results');
    setTimeout(() => window.print(), 300);
  };

  if (!experiment) {
    return (
      <section className="screen" aria-labelledby="export-title">
        <header className="screen-header">
          <h1 id="export-title">Export</h1>
        </header>
        <div className="panel empty-state">
          <p className="muted">Open a stored experiment (from Results or History) to export it.</p>
          <button type="button" onClick={() => navigate('history')}>
            Go to History
          </button>
        </div>
      </section>
    );
  }

  return (
    <section className="screen" aria-labelledby="export-title">
      <header className="screen-header">
        <h1 id="export-title">Export</h1>
        <p className="muted">
          Experiment {experiment.id}: {experiment.variants.join(' vs ')} on {experiment.model}.
        </p>
      </header>
      <div className="panel stack">
        <div className="export-grid">
          {FORMATS.map(({ format, label, hint }) => (
            <button key={format} type="button" className="export-button" onClick={() => void exportAs(format)} data-testid={`export-${format}`}>
              <strong>{label}</strong>
              <span className="muted small">{hint}</span>
            </button>
          ))}
          <button type="button" className="export-button" onClick={() => void exportNpy()} data-testid="export-npy">
            <strong>NumPy .npy</strong>
            <span className="muted small">{api.desktop ? 'per-sample vectors and directions, to a folder' : 'per-sample vectors and directions, as one .tar'}</span>
          </button>
          <button type="button" className="export-button" onClick={() => void exportPdf()} data-testid="export-pdf">
            <strong>PDF</strong>
            <span className="muted small">{api.desktop ? 'print the results view' : 'opens the print dialog'}</span>
          </button>
        </div>
        <ErrorNotice error={error} title="The export failed." />
        {archiveShare !== null ? (
          <p className="muted" role="status" data-testid="export-npy-progress">
            Packing and downloading the vectors… {Math.round(archiveShare * 100)}%
          </p>
        ) : null}
        {archive ? (
          <p className="notice notice-info" role="status" data-testid="export-npy-done">
            Downloaded {archive.fileName} ({(archive.bytes / 1024 / 1024).toFixed(1)} MB): the .npy files with index.json and directions.json; unpack it with{' '}
            <code>tar -xf {archive.fileName}</code>.
          </p>
        ) : null}
        {vectors ? (
          <p className="notice notice-info" role="status" data-testid="export-npy-done">
            Wrote {vectors.sampleFiles} sample-vector files and {vectors.directionFiles} direction files (with index.json and directions.json) to{' '}
            <code>{vectors.dir}</code>.
          </p>
        ) : null}
        {last ? (
          <div className="stack" data-testid="export-done">
            <p className="notice notice-info" role="status">
              Saved {last.report.fileName}
              {last.savedAs && last.savedAs !== last.report.fileName ? ` to ${last.savedAs}` : ''} ({last.report.content.length.toLocaleString()} characters).
            </p>
            {last.report.mimeType === 'text/html' ? null : (
              <>
                <h2>Preview</h2>
                <pre className="prompt-text tall">{last.report.content.slice(0, 4000)}</pre>
              </>
            )}
          </div>
        ) : null}
      </div>
    </section>
  );
}
