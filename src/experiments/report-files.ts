import type { PairAnalysis } from '../analytics/divergence.js';
import { buildResultsJson, type ResultsJson } from '../report/results-json.js';
import type { ReportInput } from '../report/types.js';
import { writeReportFiles, type ReportPaths } from '../report/write-report.js';
import { divergenceRecord, type DivergenceRecord } from './divergence-json.js';

/** results.json with CoTLab's keys untouched and the analytics added under `divergence`. */
export type ResultsWithDivergence = ResultsJson & { divergence: DivergenceRecord };

export function resultsWithDivergence(report: ReportInput, analyses: readonly PairAnalysis[]): ResultsWithDivergence {
  return { ...buildResultsJson(report), divergence: divergenceRecord(analyses, report.findings) };
}

/** Writes the CoTLab-style report folder, its results.json with the analytics under `divergence`. */
export async function writeJobReport(dir: string, report: ReportInput, analyses: readonly PairAnalysis[]): Promise<ReportPaths> {
  return writeReportFiles(dir, report, resultsWithDivergence(report, analyses));
}
