import { centreGram, frobeniusInner, gramBlock, type GramMatrix } from './vector-math.js';

/**
 * Cosine between the two vectors of each pair, read from a Gram matrix holding run A's samples (0..pairs−1) then
 * run B's in the same order. 0 where either vector is zero.
 */
export function pairedSampleCosines(gram: GramMatrix, pairs: number): number[] {
  const { size, values } = gram;
  const cosines: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const j = pairs + i;
    const normProduct = Math.sqrt((values[i * size + i] as number) * (values[j * size + j] as number));
    cosines.push(normProduct > 0 ? (values[i * size + j] as number) / normProduct : 0);
  }
  return cosines;
}

/**
 * Linear CKA between two n×H sample matrices given their n×n Gram matrices:
 * ‖Ycᵀ Xc‖²_F / (‖Xcᵀ Xc‖_F ‖Ycᵀ Yc‖_F) = ⟨K, L⟩_F / (‖K‖_F ‖L‖_F) with K, L the centred Gram matrices,
 * which costs O(n²) instead of O(n·H²). 0 when either side has no spread.
 */
export function linearCkaFromGrams(gramX: GramMatrix, gramY: GramMatrix): number {
  const k = centreGram(gramX);
  const l = centreGram(gramY);
  const denominator = Math.sqrt(frobeniusInner(k, k) * frobeniusInner(l, l));
  return denominator > 0 ? frobeniusInner(k, l) / denominator : 0;
}

/** Linear CKA between run A's and run B's samples of a combined Gram matrix (A first, B second, same order). */
export function pairedLinearCka(gram: GramMatrix, pairs: number): number {
  return linearCkaFromGrams(gramBlock(gram, 0, pairs), gramBlock(gram, pairs, pairs));
}
