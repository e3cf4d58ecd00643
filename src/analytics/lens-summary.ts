/** Summaries of logit lens rows per layer (src/results/logit-lens.ts): gold token probability, rank, top-1 tokens. */
import type { LensLayerSummary, LensRunSummary } from '../results/logit-lens.js';
import { LENS_SUMMARY_TOKENS } from '../results/logit-lens.js';
import { mean, quantileSorted } from './summary-stats.js';

/** One sample's lens at one layer. */
export interface LensCell {
  layer: number;
  topTokenIds: readonly number[];
  topProbs: readonly number[];
  goldToken: number;
  goldRank: number;
  goldProb: number;
}

/** A run's lens: every sample's cells (one per layer, in layer order), summarised per layer. */
export function lensRunSummary(run: string, samples: readonly (readonly LensCell[])[], layers: readonly number[], tokenText: (id: number) => string): LensRunSummary {
  const goldCounts = new Map<number, number>();
  for (const cells of samples) {
    const gold = cells[0]?.goldToken;
    if (gold !== undefined) goldCounts.set(gold, (goldCounts.get(gold) ?? 0) + 1);
  }
  const layerSummaries = layers.map((layer, at): LensLayerSummary => {
    const cells = samples.map((sampleCells) => sampleCells[at]).filter((cell): cell is LensCell => cell !== undefined && cell.layer === layer);
    const top1 = new Map<number, { samples: number; probs: number[] }>();
    for (const cell of cells) {
      const token = cell.topTokenIds[0];
      if (token === undefined) continue;
      const entry = top1.get(token) ?? { samples: 0, probs: [] };
      entry.samples++;
      entry.probs.push(cell.topProbs[0] ?? 0);
      top1.set(token, entry);
    }
    const ranks = cells.map((cell) => cell.goldRank).sort((a, b) => a - b);
    return {
      layer,
      mean_gold_prob: mean(cells.map((cell) => cell.goldProb)),
      median_gold_rank: quantileSorted(ranks, 0.5),
      gold_top1_rate: cells.length === 0 ? Number.NaN : cells.filter((cell) => cell.goldRank === 1).length / cells.length,
      top_tokens: [...top1.entries()]
        .sort((a, b) => b[1].samples - a[1].samples || a[0] - b[0])
        .slice(0, LENS_SUMMARY_TOKENS)
        .map(([token, entry]) => ({ token_id: token, token: tokenText(token), samples: entry.samples, mean_prob: mean(entry.probs) })),
    };
  });
  return {
    run,
    samples: samples.length,
    gold_tokens: [...goldCounts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([token, count]) => ({ token_id: token, token: tokenText(token), samples: count })),
    layers: layerSummaries,
  };
}
