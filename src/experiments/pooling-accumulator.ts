import { type RunMeans, VectorLengthMismatchError } from './metrics.js';

/** Raised when a pooled vector arrives for a layer the run did not ask for. */
export class UnknownLayerError extends Error {
  constructor(
    readonly layer: number,
    readonly requestedLayers: readonly number[],
  ) {
    super(`Layer ${layer} was not requested for this run (requested: ${requestedLayers.join(', ')}).`);
    this.name = 'UnknownLayerError';
  }
}

/**
 * Running per-layer mean of one run's pooled vectors. Sums are kept in float64 so that a long run does not lose
 * precision the way a float32 running sum would; means are handed out as float32 like the captured vectors.
 */
export class PoolingAccumulator {
  private readonly sums = new Map<number, Float64Array>();
  private readonly counts = new Map<number, number>();

  constructor(
    readonly layers: readonly number[],
    readonly hiddenSize: number,
  ) {
    if (!Number.isInteger(hiddenSize) || hiddenSize <= 0) {
      throw new RangeError(`Hidden size must be a positive integer, got ${hiddenSize}.`);
    }
    for (const layer of layers) {
      if (this.sums.has(layer)) throw new RangeError(`Layer ${layer} is listed twice in the requested layers.`);
      this.sums.set(layer, new Float64Array(hiddenSize));
      this.counts.set(layer, 0);
    }
  }

  /** Adds one sample's pooled vector for one layer. */
  add(layer: number, pooled: Float32Array): void {
    const sum = this.sums.get(layer);
    if (sum === undefined) throw new UnknownLayerError(layer, this.layers);
    if (pooled.length !== this.hiddenSize) {
      throw new VectorLengthMismatchError(this.hiddenSize, pooled.length, `the pooled vector of layer ${layer}`);
    }
    for (let i = 0; i < pooled.length; i++) sum[i] = (sum[i] as number) + (pooled[i] as number);
    this.counts.set(layer, (this.counts.get(layer) ?? 0) + 1);
  }

  /** Adds one sample's pooled vectors, one per requested layer in request order (as CaptureResult.pooled). */
  addSample(pooledByLayer: readonly Float32Array[]): void {
    if (pooledByLayer.length !== this.layers.length) {
      throw new VectorLengthMismatchError(this.layers.length, pooledByLayer.length, 'the list of pooled layers of one sample');
    }
    this.layers.forEach((layer, i) => this.add(layer, pooledByLayer[i] as Float32Array));
  }

  /** How many vectors a layer has received. */
  count(layer: number): number {
    const count = this.counts.get(layer);
    if (count === undefined) throw new UnknownLayerError(layer, this.layers);
    return count;
  }

  /** Layers that received at least one vector, in request order. */
  layerIndices(): number[] {
    return this.layers.filter((layer) => this.count(layer) > 0);
  }

  /** Mean vector per layer that received at least one vector. */
  means(): Map<number, Float32Array> {
    const means = new Map<number, Float32Array>();
    for (const layer of this.layerIndices()) {
      const sum = this.sums.get(layer) as Float64Array;
      const count = this.count(layer);
      means.set(layer, Float32Array.from(sum, (s) => s / count));
    }
    return means;
  }

  /** The run's means in the shape compareRuns and meanActivationNorms take. */
  toRunMeans(name: string): RunMeans {
    return { name, layerIndices: this.layerIndices(), meanByLayer: this.means() };
  }
}
