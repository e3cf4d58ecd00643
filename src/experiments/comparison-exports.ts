import type { PairAnalysis } from '../analytics/divergence.js';
import { buildComparisonMd } from '../report/comparison-md.js';
import { metricsCsv } from '../report/csv.js';
import { renderHtmlReport } from '../report/html-report.js';
import type { Comparison } from '../results/types.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { StoredRunRef } from './compare-stored-runs.js';
import { comparisonOf } from './metrics.js';
import { comparePicks, labelledPicks } from './picked-runs.js';
import { storedRunSummary } from './report-from-store.js';

export type ComparisonExportFormat = 'md' | 'html' | 'csv';

/**
 * Runs picked from the history (also from different experiments), compared as the app's Compare shows them and
 * written like an experiment's report: Markdown (settings side by side, per-layer tables, findings), the
 * self-contained HTML page, or the per-layer metrics CSV.
 */
export function comparisonExportText(store: HistoryReader, picked: readonly StoredRunRef[], format: ComparisonExportFormat): string {
  const picks = labelledPicks(picked);
  const pairs = comparePicks(store, picks);
  const comparisons: Comparison[] = pairs.map(({ compared }) =>
    comparisonOf(
      compared.runA,
      compared.runB,
      compared.layers.map((layer) => layer.layer),
      compared.layers.map((layer) => layer.cosine),
      compared.layers.map((layer) => layer.l2),
      true,
    ),
  );
  const analyses = pairs.flatMap(({ compared }): PairAnalysis[] => (compared.analysis === null ? [] : [compared.analysis]));
  const findings = pairs.map(({ compared }) => compared.findings);
  const runSettings = picks.map((pick) => pick.settings);
  const title = `Comparison of ${picks.length} stored runs: ${picks.map((pick) => pick.label).join(', ')}`;
  const generatedAt = new Date().toISOString();
  switch (format) {
    case 'md':
      return buildComparisonMd({ title, generatedAt, runSettings, comparisons, findings });
    case 'csv':
      return metricsCsv(comparisons, analyses, findings, runSettings);
    case 'html': {
      const first = picks[0];
      const layers = first?.run.layerIndices ?? [];
      return renderHtmlReport({
        title,
        generatedAt,
        model: [...new Set(picks.map((pick) => pick.experiment.modelName ?? 'unknown model'))].join(', '),
        metrics: {
          num_runs: picks.length,
          num_layers: layers.length,
          comparison_mode: 'pairwise',
          pooling: first?.experiment.pooling ?? 'mean',
          pair_count: comparisons.length,
        },
        runs: picks.map((pick) => storedRunSummary(store, pick.experiment, pick.run, pick.label)),
        comparisons,
        capture: null,
        analyses,
        findings,
        runSettings,
      });
    }
  }
}
