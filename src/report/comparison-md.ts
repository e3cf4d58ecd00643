import type { PairFindings } from '../results/findings.js';
import type { NamedRunSettings } from '../results/run-settings.js';
import type { Comparison } from '../results/types.js';
import { analysisSection, perLayerSection, runsSection } from './experiment-md.js';

/** Runs picked from the history and compared, as a Markdown report writes them. */
export interface ComparisonReportInput {
  title: string;
  /** When the report was made, as it should be printed. */
  generatedAt: string;
  /** The runs under the labels they are compared by, with their settings. */
  runSettings: NamedRunSettings[];
  comparisons: Comparison[];
  findings: PairFindings[];
}

/**
 * A comparison of stored runs (also of different experiments) in EXPERIMENT.md's words: every run's settings side
 * by side (the differences first), the per-layer tables and each pair's findings.
 */
export function buildComparisonMd(input: ComparisonReportInput): string {
  const lead =
    `# ${input.title}\n\n**Generated:** ${input.generatedAt}\n\n` +
    'Runs picked from the experiment history and compared layer by layer (cosine and L2 of the run means; ' +
    'intervals and permutation tests from the stored per-sample vectors where both runs kept them).\n';
  return [lead, runsSection(input.runSettings), perLayerSection(input.comparisons), analysisSection(input.comparisons, input.findings)].join('\n');
}
