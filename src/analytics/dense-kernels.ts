/** Inner loops of the probes' dense linear algebra, unrolled by four: several times faster in V8 than one at a time. */
import type { FeatureMatrix } from './logistic-regression.js';

/** Σ_j a[aStart + j] · b[bStart + j] over `length` entries, four at a time (several times faster in V8 than one). */
export function dotAt(a: Float64Array, aStart: number, b: Float64Array, bStart: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < length; j += 4) {
    s0 += (a[aStart + j] as number) * (b[bStart + j] as number);
    s1 += (a[aStart + j + 1] as number) * (b[bStart + j + 1] as number);
    s2 += (a[aStart + j + 2] as number) * (b[bStart + j + 2] as number);
    s3 += (a[aStart + j + 3] as number) * (b[bStart + j + 3] as number);
  }
  for (; j < length; j++) s0 += (a[aStart + j] as number) * (b[bStart + j] as number);
  return s0 + s1 + s2 + s3;
}

/** target[targetStart + j] += scale · source[sourceStart + j] over `length` entries. */
export function addScaledAt(target: Float64Array, targetStart: number, source: Float64Array, sourceStart: number, length: number, scale: number): void {
  let j = 0;
  for (; j + 3 < length; j += 4) {
    target[targetStart + j] = (target[targetStart + j] as number) + scale * (source[sourceStart + j] as number);
    target[targetStart + j + 1] = (target[targetStart + j + 1] as number) + scale * (source[sourceStart + j + 1] as number);
    target[targetStart + j + 2] = (target[targetStart + j + 2] as number) + scale * (source[sourceStart + j + 2] as number);
    target[targetStart + j + 3] = (target[targetStart + j + 3] as number) + scale * (source[sourceStart + j + 3] as number);
  }
  for (; j < length; j++) target[targetStart + j] = (target[targetStart + j] as number) + scale * (source[sourceStart + j] as number);
}

/**
 * out[outStart + q] = Σ_j a[aStart + j] · b[bStart + q·stride + j] for q = 0..3: four dot products in one pass
 * over `a` (a sample's scores for four classes).
 */
export function dot4At(a: Float64Array, aStart: number, b: Float64Array, bStart: number, stride: number, length: number, out: Float64Array, outStart: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const b1 = bStart + stride;
  const b2 = b1 + stride;
  const b3 = b2 + stride;
  for (let j = 0; j < length; j++) {
    const v = a[aStart + j] as number;
    s0 += v * (b[bStart + j] as number);
    s1 += v * (b[b1 + j] as number);
    s2 += v * (b[b2 + j] as number);
    s3 += v * (b[b3 + j] as number);
  }
  out[outStart] = s0;
  out[outStart + 1] = s1;
  out[outStart + 2] = s2;
  out[outStart + 3] = s3;
}

/** target[targetStart + q·stride + j] += scales[scalesStart + q] · source[sourceStart + j] for q = 0..3, in one pass over `source`. */
export function addScaled4At(
  target: Float64Array,
  targetStart: number,
  stride: number,
  source: Float64Array,
  sourceStart: number,
  length: number,
  scales: Float64Array,
  scalesStart: number,
): void {
  const c0 = scales[scalesStart] as number;
  const c1 = scales[scalesStart + 1] as number;
  const c2 = scales[scalesStart + 2] as number;
  const c3 = scales[scalesStart + 3] as number;
  const t1 = targetStart + stride;
  const t2 = t1 + stride;
  const t3 = t2 + stride;
  for (let j = 0; j < length; j++) {
    const v = source[sourceStart + j] as number;
    target[targetStart + j] = (target[targetStart + j] as number) + c0 * v;
    target[t1 + j] = (target[t1 + j] as number) + c1 * v;
    target[t2 + j] = (target[t2 + j] as number) + c2 * v;
    target[t3 + j] = (target[t3 + j] as number) + c3 * v;
  }
}

/**
 * The dot products of rows a0 and a1 of `a` with rows b0 and b1 of `b` (offsets), four sums from four loads per
 * column instead of two loads per sum: out = [a0·b0, a0·b1, a1·b0, a1·b1].
 */
function dots2x2(a: Float64Array, a0: number, a1: number, b: Float64Array, b0: number, b1: number, length: number, out: Float64Array): void {
  let s00 = 0;
  let s01 = 0;
  let s10 = 0;
  let s11 = 0;
  for (let q = 0; q < length; q++) {
    const u = a[a0 + q] as number;
    const w = a[a1 + q] as number;
    const p = b[b0 + q] as number;
    const t = b[b1 + q] as number;
    s00 += u * p;
    s01 += u * t;
    s10 += w * p;
    s11 += w * t;
  }
  out[0] = s00;
  out[1] = s01;
  out[2] = s10;
  out[3] = s11;
}

/** A·Bᵀ of two row-major matrices with the same columns: a.rows × b.rows, row-major, two rows by two per pass. */
export function crossGram(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  const columns = a.columns;
  const product = new Float64Array(a.rows * b.rows);
  const block = new Float64Array(4);
  for (let i = 0; i < a.rows; i += 2) {
    for (let j = 0; j < b.rows; j += 2) {
      if (i + 1 < a.rows && j + 1 < b.rows) {
        dots2x2(a.values, i * columns, (i + 1) * columns, b.values, j * columns, (j + 1) * columns, columns, block);
        product[i * b.rows + j] = block[0] as number;
        product[i * b.rows + j + 1] = block[1] as number;
        product[(i + 1) * b.rows + j] = block[2] as number;
        product[(i + 1) * b.rows + j + 1] = block[3] as number;
        continue;
      }
      // A last row or column without a partner.
      for (let r = i; r < Math.min(i + 2, a.rows); r++) {
        for (let t = j; t < Math.min(j + 2, b.rows); t++) product[r * b.rows + t] = dotAt(a.values, r * columns, b.values, t * columns, columns);
      }
    }
  }
  return product;
}

/** X·Xᵀ of a row-major matrix (both triangles filled), computing each symmetric pair once, two rows by two per pass. */
export function rowGram(x: FeatureMatrix): Float64Array {
  const { values, rows: n, columns } = x;
  const product = new Float64Array(n * n);
  const block = new Float64Array(4);
  const put = (i: number, j: number, value: number) => {
    product[i * n + j] = value;
    product[j * n + i] = value;
  };
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a0 = i * columns;
    const a1 = a0 + columns;
    // Pairs of rows below the diagonal block, then the 2 × 2 diagonal block itself (j = i).
    for (let j = 0; j + 1 < i; j += 2) {
      dots2x2(values, a0, a1, values, j * columns, (j + 1) * columns, columns, block);
      put(i, j, block[0] as number);
      put(i, j + 1, block[1] as number);
      put(i + 1, j, block[2] as number);
      put(i + 1, j + 1, block[3] as number);
    }
    put(i, i, dotAt(values, a0, values, a0, columns));
    put(i + 1, i, dotAt(values, a1, values, a0, columns));
    put(i + 1, i + 1, dotAt(values, a1, values, a1, columns));
  }
  if (i < n) for (let j = 0; j <= i; j++) put(i, j, dotAt(values, i * columns, values, j * columns, columns));
  return product;
}
