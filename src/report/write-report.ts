import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { buildExperimentMd } from './experiment-md.js';
import { buildResultsJson, type ResultsJson } from './results-json.js';
import type { ReportInput } from './types.js';
import { stringifyJsonExact } from '../config/exact-json.js';

/** Raised when a report file cannot be written (disk full, no permission, path is a file...). */
export class ReportWriteError extends Error {
  constructor(
    readonly path: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Could not write the report file ${path}: ${reason}`, options);
    this.name = 'ReportWriteError';
  }
}

export interface ReportPaths {
  configJson: string;
  resultsJson: string;
  experimentMd: string;
}

/** Writes through a temporary file and a rename, so an interrupted write never leaves half a report behind. */
export async function writeTextFile(filePath: string, text: string): Promise<void> {
  const temporary = `${filePath}.partial`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, filePath);
  } catch (cause) {
    throw new ReportWriteError(filePath, { cause });
  }
}

function toJson(value: unknown): string {
  return `${stringifyJsonExact(value, 2)}\n`;
}

/**
 * Writes config.json (resolved config only), results.json and EXPERIMENT.md into `dir`, creating it if needed.
 * `resultsJson` replaces the plain results.json, e.g. by one with more keys (the analytics).
 */
export async function writeReportFiles(
  dir: string,
  input: ReportInput,
  resultsJson: ResultsJson = buildResultsJson(input),
): Promise<ReportPaths> {
  const paths: ReportPaths = {
    configJson: path.join(dir, 'config.json'),
    resultsJson: path.join(dir, 'results.json'),
    experimentMd: path.join(dir, 'EXPERIMENT.md'),
  };
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new ReportWriteError(dir, { cause });
  }
  await writeTextFile(paths.configJson, toJson(input.config));
  await writeTextFile(paths.resultsJson, toJson(resultsJson));
  await writeTextFile(paths.experimentMd, buildExperimentMd(input, dir));
  return paths;
}
