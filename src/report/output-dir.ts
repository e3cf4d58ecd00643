import path from 'node:path';

import { localDate, localTime } from './local-time.js';

/** Names CoTLab falls back to when the experiment lists fewer than two variants. */
export interface OutputDirFallbackNames {
  promptName: string;
  datasetName: string;
}

// Hydra would turn a `/` in a variant name into nested folders; keep each part a single, portable file name.
function safeSegment(part: string): string {
  return part.replace(/[/\\:*?"<>|\p{Cc}]/gu, '_');
}

/**
 * CoTLab's Hydra run directory:
 * `outputs/YYYY-MM-DD/HH-MM-SS_{experiment}_{model}_{variants[0].name or prompt}_{format}_{variants[1].name or dataset}`
 * in local time. Only the first two variant names are used, whatever the number of variants.
 */
export function defaultOutputDir(
  root: string,
  now: Date,
  experimentName: string,
  modelSafeName: string,
  variantNames: readonly string[],
  outputFormat: string,
  fallback: OutputDirFallbackNames,
): string {
  const first = variantNames[0] ?? fallback.promptName;
  const second = variantNames[1] ?? fallback.datasetName;
  const leaf = [localTime(now, '-'), experimentName, modelSafeName, first, outputFormat, second]
    .map(safeSegment)
    .join('_');
  return path.join(root, 'outputs', localDate(now), leaf);
}
