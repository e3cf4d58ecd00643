import type { PairAnalysis } from '../analytics/divergence.js';
import { metricsCsv, probingCsv } from '../report/csv.js';
import { buildExperimentMd } from '../report/experiment-md.js';
import { renderHtmlReport } from '../report/html-report.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail } from '../store/types.js';
import { resultsWithDivergence } from './report-files.js';
import { HistoryExportError } from './history-errors.js';
import {
  currentProbes,
  requireCompletedWorkbench,
  storedAnalyses,
  storedComparisons,
  storedFindings,
  storedMetrics,
  storedReportInput,
  storedRunSummaries,
  storedWorkbenchConfig,
} from './report-from-store.js';
import type { Comparison } from '../results/types.js';
import { stringifyJsonExact } from '../config/exact-json.js';
import { storedRunsWithSettings } from './stored-run-settings.js';

/** The one-file exports of a stored experiment: EXPERIMENT.md, results.json, the HTML report, the metrics CSV. */
export type StoredExportFormat = 'md' | 'json' | 'html' | 'csv' | 'probing-csv';

/** Comparisons (per-layer values always kept) and analyses of an experiment that can be shown as a table or page. */
function comparisonsWithAnalyses(
  store: HistoryReader,
  experiment: ExperimentDetail,
  format: StoredExportFormat,
): { comparisons: Comparison[]; analyses: PairAnalysis[] } {
  if (experiment.source === 'workbench') requireCompletedWorkbench(experiment, format);
  const comparisons = storedComparisons(store, experiment, true);
  return { comparisons, analyses: storedAnalyses(store, experiment, comparisons) };
}

function htmlReport(store: HistoryReader, experiment: ExperimentDetail, configDir: string): string {
  const { comparisons, analyses } = comparisonsWithAnalyses(store, experiment, 'html');
  const report = storedWorkbenchConfig(experiment) === null ? null : storedReportInput(store, experiment, 'html', configDir);
  return renderHtmlReport({
    title: `Experiment ${experiment.id}: ${experiment.name}`,
    generatedAt: new Date().toISOString(),
    model: experiment.modelName ?? 'unknown model',
    metrics: report?.metrics ?? storedMetrics(experiment, comparisons, 'pairwise'),
    runs: storedRunSummaries(store, experiment),
    comparisons,
    capture: report?.capture ?? null,
    analyses,
    findings: storedFindings(store, experiment),
    probes: currentProbes(store, experiment),
    runSettings: storedRunsWithSettings(experiment),
    annotations: { notes: experiment.notes, tags: experiment.tags },
  });
}

/**
 * The text of a one-file export of a stored experiment, rebuilt from the history (the CLI's `export` and the app
 * make the same files). `reportDir` is the folder EXPERIMENT.md names for config.json when the experiment
 * recorded no report folder of its own.
 */
export function storedExportText(
  store: HistoryReader,
  experiment: ExperimentDetail,
  format: StoredExportFormat,
  configDir: string,
  reportDir: string,
): string {
  switch (format) {
    case 'md':
      return buildExperimentMd(storedReportInput(store, experiment, format, configDir), experiment.outputDir ?? reportDir);
    case 'json': {
      const report = storedReportInput(store, experiment, format, configDir);
      return `${stringifyJsonExact(resultsWithDivergence(report, storedAnalyses(store, experiment, report.comparisons)), 2)}\n`;
    }
    case 'csv': {
      const { comparisons, analyses } = comparisonsWithAnalyses(store, experiment, format);
      return metricsCsv(comparisons, analyses, storedFindings(store, experiment), storedRunsWithSettings(experiment));
    }
    case 'html':
      return htmlReport(store, experiment, configDir);
    case 'probing-csv': {
      const probes = currentProbes(store, experiment);
      if (probes.length === 0) throw new HistoryExportError(experiment.id, format, 'no run of it has been probed yet; probe one first (`cotlab-wb probe`, or the Probing panel of its results)');
      return probingCsv(probes);
    }
  }
}
