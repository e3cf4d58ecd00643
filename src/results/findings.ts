import { rankedLayers, type LayerScore } from './rankings.js';
import { holmAdjust, layersBeyondChance, SIGNIFICANCE_LEVEL } from './significance.js';

/** One layer of a compared pair: the means' cosine and L2 always, the analytics when they were computed. */
export interface LayerValues {
  layer: number;
  cosine: number;
  l2: number;
  /** Permutation-test p-value of the L2 distance; null when not tested. */
  pValue: number | null;
  centredCosine: number | null;
  relativeL2: number | null;
}

/**
 * What a compared pair shows at a glance, computed once when the pair is analysed and then stored and read by
 * every face (results.json, EXPERIMENT.md, HTML, CSV, the CLI and the app), so none of them can disagree.
 */
export interface PairFindings {
  run_a: string;
  run_b: string;
  /** CoTLab's summary: the means over the pair's layers of the cosine and L2 of the run means. */
  mean_cosine_similarity: number;
  mean_l2_distance: number;
  /** The pair's layers, in the order of the per-layer values below (empty when only the means are known). */
  layers: number[];
  lowest_cosine_layers: LayerScore[];
  highest_l2_layers: LayerScore[];
  lowest_centred_cosine_layers: LayerScore[];
  highest_relative_l2_layers: LayerScore[];
  /**
   * Per layer, the p-value Holm-adjusted over the pair's tested layers (they are tested together); null for a layer
   * that was not tested (e.g. its per-sample vectors were not kept).
   */
  p_values_holm: Array<number | null>;
  /** How many layers were tested. */
  tested_layers: number;
  /** Tested layers with a Holm-adjusted p below significance_level, ascending; null when no layer was tested. */
  layers_beyond_chance: number[] | null;
  significance_level: number;
}

/** CoTLab's summary of a pair: the mean over layers of a per-layer metric, 0 without layers. */
export function meanOverLayers(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * The findings of a pair from its per-layer values (none when only CoTLab's means over layers are known, e.g. a
 * CoTLab run with store_per_layer false) and those means.
 */
export function pairFindings(
  runA: string,
  runB: string,
  values: readonly LayerValues[],
  means: { cosine: number; l2: number },
): PairFindings {
  const layers = values.map((value) => value.layer);
  const tested = values.flatMap((value) => (value.pValue === null ? [] : [{ layer: value.layer, p: value.pValue }]));
  const adjusted = holmAdjust(tested.map((test) => test.p));
  const holmByLayer = new Map(tested.map((test, k) => [test.layer, adjusted[k] as number]));
  return {
    run_a: runA,
    run_b: runB,
    mean_cosine_similarity: means.cosine,
    mean_l2_distance: means.l2,
    layers,
    lowest_cosine_layers: rankedLayers(layers, values.map((value) => value.cosine), 1),
    highest_l2_layers: rankedLayers(layers, values.map((value) => value.l2), -1),
    lowest_centred_cosine_layers: rankedLayers(layers, values.map((value) => value.centredCosine), 1),
    highest_relative_l2_layers: rankedLayers(layers, values.map((value) => value.relativeL2), -1),
    p_values_holm: layers.map((layer) => holmByLayer.get(layer) ?? null),
    tested_layers: tested.length,
    layers_beyond_chance: tested.length === 0 ? null : layersBeyondChance(tested.map((test) => test.layer), adjusted),
    significance_level: SIGNIFICANCE_LEVEL,
  };
}

/** The Holm-adjusted p-value of one layer of a pair; null when untested. */
export function holmPValueAt(findings: PairFindings, layer: number): number | null {
  const k = findings.layers.indexOf(layer);
  return k < 0 ? null : (findings.p_values_holm[k] ?? null);
}

/** The findings of the pair runA vs runB among a list. */
export function findingsOfPair(findings: readonly PairFindings[], runA: string, runB: string): PairFindings | undefined {
  return findings.find((entry) => entry.run_a === runA && entry.run_b === runB);
}

/** Raised when a pair is reported or stored without the findings computed for it (a bug, not bad input). */
export class MissingFindingsError extends Error {
  constructor(
    readonly runA: string,
    readonly runB: string,
  ) {
    super(`No findings were computed for the pair ${runA} vs ${runB}.`);
    this.name = 'MissingFindingsError';
  }
}

/** The findings of the pair runA vs runB, which must have been computed. */
export function requireFindingsOfPair(findings: readonly PairFindings[], runA: string, runB: string): PairFindings {
  const found = findingsOfPair(findings, runA, runB);
  if (found === undefined) throw new MissingFindingsError(runA, runB);
  return found;
}
