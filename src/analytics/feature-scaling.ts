import type { FeatureMatrix } from './logistic-regression.js';

/**
 * Standardises features with the mean and standard deviation (population, ddof 0) of the training rows only, as
 * scikit-learn's StandardScaler fitted on a training fold; a constant feature keeps scale 1.
 */
export interface Standardiser {
  means: Float64Array;
  scales: Float64Array;
}

export function fitStandardiser(x: FeatureMatrix): Standardiser {
  const { values, rows, columns } = x;
  const means = new Float64Array(columns);
  const scales = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    const offset = i * columns;
    for (let j = 0; j < columns; j++) means[j] = (means[j] as number) + (values[offset + j] as number);
  }
  for (let j = 0; j < columns; j++) means[j] = (means[j] as number) / rows;
  for (let i = 0; i < rows; i++) {
    const offset = i * columns;
    for (let j = 0; j < columns; j++) {
      const centred = (values[offset + j] as number) - (means[j] as number);
      scales[j] = (scales[j] as number) + centred * centred;
    }
  }
  for (let j = 0; j < columns; j++) {
    const sd = Math.sqrt((scales[j] as number) / rows);
    scales[j] = sd > 0 ? sd : 1;
  }
  return { means, scales };
}

export function standardise(x: FeatureMatrix, standardiser: Standardiser): FeatureMatrix {
  const { values, rows, columns } = x;
  const scaled = new Float64Array(values.length);
  for (let i = 0; i < rows; i++) {
    const offset = i * columns;
    for (let j = 0; j < columns; j++) {
      scaled[offset + j] = ((values[offset + j] as number) - (standardiser.means[j] as number)) / (standardiser.scales[j] as number);
    }
  }
  return { values: scaled, rows, columns };
}

/** The listed rows of a matrix, in the listed order. */
export function selectRows(x: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const values = new Float64Array(rows.length * x.columns);
  for (let r = 0; r < rows.length; r++) {
    const from = (rows[r] as number) * x.columns;
    values.set(x.values.subarray(from, from + x.columns), r * x.columns);
  }
  return { values, rows: rows.length, columns: x.columns };
}
