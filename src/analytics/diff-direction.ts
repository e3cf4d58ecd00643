import { cohensD } from './summary-stats.js';
import { dot, norm, subtract, type GramMatrix, type NumericVector } from './vector-math.js';

/** The direction from run A's mean to run B's mean at one layer, and how well it separates the samples. */
export interface DiffDirection {
  /** meanB − meanA. */
  diff: number[];
  /** diff / ‖diff‖ (all zeros when the means coincide). */
  unit: number[];
  /** ‖meanB − meanA‖. */
  norm: number;
  /** Each sample's projection x·unit, in sample order. */
  projectionsA: number[];
  projectionsB: number[];
  /**
   * Cohen's d of projectionsB vs projectionsA. In-sample: the direction was fitted on these very samples, so with
   * hidden size ≫ sample count it is large even for pure noise; read cohensDHeldOut for separability.
   */
  cohensD: number | null;
  /**
   * Cohen's d of leave-one-out scores: each sample is scored on the direction fitted without it, centred on the
   * midpoint of the two means, i.e. (‖x − mA‖² − ‖x − mB‖²) / (2‖mB − mA‖) with its own run's mean held out.
   * null when a run has fewer than two samples.
   */
  cohensDHeldOut: number | null;
}

interface GroupSums {
  /** Σ over the group's samples of G[i, ·], per sample i of the whole Gram matrix. */
  rowToA: Float64Array;
  rowToB: Float64Array;
  sumAA: number;
  sumBB: number;
  sumAB: number;
}

function groupSums(gram: GramMatrix, sizeA: number): GroupSums {
  const { size, values } = gram;
  const rowToA = new Float64Array(size);
  const rowToB = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let towardsA = 0;
    let towardsB = 0;
    for (let j = 0; j < size; j++) {
      if (j < sizeA) towardsA += values[i * size + j] as number;
      else towardsB += values[i * size + j] as number;
    }
    rowToA[i] = towardsA;
    rowToB[i] = towardsB;
  }
  let sumAA = 0;
  let sumAB = 0;
  let sumBB = 0;
  for (let i = 0; i < size; i++) {
    if (i < sizeA) {
      sumAA += rowToA[i] as number;
      sumAB += rowToB[i] as number;
    } else {
      sumBB += rowToB[i] as number;
    }
  }
  return { rowToA, rowToB, sumAA, sumBB, sumAB };
}

/**
 * Signed leave-one-out discriminant score of one sample (all quantities are Gram-matrix sums):
 * (x·m_other − x·m_own′ − (‖m_other‖² − ‖m_own′‖²)/2) / ‖m_other − m_own′‖, m_own′ = own run mean without x.
 * Positive means closer to the other run's mean.
 */
function heldOutScore(
  selfProduct: number,
  rowToOwn: number,
  rowToOther: number,
  sumOwnOwn: number,
  sumOtherOther: number,
  sumOwnOther: number,
  sizeOwn: number,
  sizeOther: number,
): number {
  const rest = sizeOwn - 1;
  const towardsOther = rowToOther / sizeOther;
  const towardsOwnRest = (rowToOwn - selfProduct) / rest;
  const ownRestSquared = (sumOwnOwn - 2 * rowToOwn + selfProduct) / (rest * rest);
  const otherSquared = sumOtherOther / (sizeOther * sizeOther);
  const ownRestDotOther = (sumOwnOther - rowToOther) / (rest * sizeOther);
  const gapSquared = otherSquared + ownRestSquared - 2 * ownRestDotOther;
  if (gapSquared <= 0) return 0;
  return (towardsOther - towardsOwnRest - (otherSquared - ownRestSquared) / 2) / Math.sqrt(gapSquared);
}

function heldOutCohensD(gram: GramMatrix, sizeA: number): number | null {
  const sizeB = gram.size - sizeA;
  if (sizeA < 2 || sizeB < 2) return null;
  const sums = groupSums(gram, sizeA);
  const diagonal = (i: number): number => gram.values[i * gram.size + i] as number;
  const scoresA: number[] = [];
  const scoresB: number[] = [];
  for (let i = 0; i < gram.size; i++) {
    const rowToA = sums.rowToA[i] as number;
    const rowToB = sums.rowToB[i] as number;
    if (i < sizeA) {
      scoresA.push(heldOutScore(diagonal(i), rowToA, rowToB, sums.sumAA, sums.sumBB, sums.sumAB, sizeA, sizeB));
    } else {
      // A run-B score grows towards A; negate so both runs are placed on the same A→B axis.
      scoresB.push(-heldOutScore(diagonal(i), rowToB, rowToA, sums.sumBB, sums.sumAA, sums.sumAB, sizeB, sizeA));
    }
  }
  return cohensD(scoresA, scoresB);
}

/**
 * Diff-in-means direction at one layer. `gram` holds run A's samples first, then run B's, as in `vectorsA`,
 * `vectorsB`.
 */
export function diffInMeansDirection(
  vectorsA: readonly NumericVector[],
  vectorsB: readonly NumericVector[],
  meanA: NumericVector,
  meanB: NumericVector,
  gram: GramMatrix,
): DiffDirection {
  const diff = subtract(meanB, meanA);
  const length = norm(diff);
  const unit = length > 0 ? diff.map((value) => value / length) : new Float64Array(diff.length);
  const projectionsA = vectorsA.map((vector) => dot(vector, unit));
  const projectionsB = vectorsB.map((vector) => dot(vector, unit));
  return {
    diff: Array.from(diff),
    unit: Array.from(unit),
    norm: length,
    projectionsA,
    projectionsB,
    cohensD: length > 0 ? cohensD(projectionsA, projectionsB) : null,
    cohensDHeldOut: heldOutCohensD(gram, vectorsA.length),
  };
}
