import { rename, writeFile } from 'node:fs/promises';
import type { PairAnalysis } from '../analytics/divergence.js';
import { buildResultsJson, type ResultsJson } from '../report/results-json.js';
import type { ReportInput } from '../report/types.js';
import { ReportWriteError, writeReportFiles, type ReportPaths } from '../report/write-report.js';
import { divergenceRecord, type DivergenceRecord } from './divergence-json.js';

/** results.json with CoTLab's keys untouched and the analytics added under `divergence`. */
export type ResultsWithDivergence = ResultsJson & { divergence: DivergenceRecord };

export function resultsWithDivergence(report: ReportInput, analyses: readonly PairAnalysis[]): ResultsWithDivergence {
  return { ...buildResultsJson(report), divergence: divergenceRecord(analyses) };
}

/**
 * Writes the CoTLab-style report folder, then replaces results.json by the version with `divergence` (through a
 * temporary file and a rename, so a crash never leaves half a file).
 */
export async function writeJobReport(dir: string, report: ReportInput, analyses: readonly PairAnalysis[]): Promise<ReportPaths> {
  const paths = await writeReportFiles(dir, report);
  const temporary = `${paths.resultsJson}.partial`;
  try {
    await writeFile(temporary, `${JSON.stringify(resultsWithDivergence(report, analyses), null, 2)}\n`, 'utf8');
    await rename(temporary, paths.resultsJson);
  } catch (cause) {
    throw new ReportWriteError(paths.resultsJson, { cause });
  }
  return paths;
}
