/**
 * A plain TypeScript forward pass of the Gemma 3 style decoder (one sequence, positions 0..n-1, no cache),
 * written from the architecture rather than from the ONNX graph. Tests compare it with onnxruntime to prove
 * the graph computes what it claims. Float64 arithmetic on float32 weights.
 */
import type { DemoModelConfig } from '../../scripts/demo-model/config.js';
import { weightNames } from '../../scripts/demo-model/weights.js';

/** Looks up a weight by its Hugging Face name (linear weights stored [in, out]). */
export type WeightLookup = (name: string) => Float32Array;

export interface ReferenceOutput {
  /** [sequence, vocab] row-major. */
  logits: Float64Array;
  /** Residual stream after each decoder layer, each [sequence, hidden] row-major. */
  layerOutputs: Float64Array[];
  /** The final norm of the last layer's output, [sequence, hidden]: what the LM head reads, HF hidden_states[L]. */
  finalNormed: Float64Array;
}

/** x [rows, inDim] times w [inDim, outDim] (row-major). */
function matmul(x: Float64Array, rows: number, w: Float32Array, inDim: number, outDim: number): Float64Array {
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inDim; i++) {
      const xi = x[r * inDim + i] as number;
      if (xi === 0) continue;
      for (let o = 0; o < outDim; o++) {
        y[r * outDim + o] = (y[r * outDim + o] as number) + xi * (w[i * outDim + o] as number);
      }
    }
  }
  return y;
}

/** Gemma RMSNorm over consecutive groups of `width` values: x / sqrt(mean(x^2) + eps) * (1 + w). */
function gemmaRmsNorm(x: Float64Array, width: number, weight: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let start = 0; start < x.length; start += width) {
    let sumSquares = 0;
    for (let i = 0; i < width; i++) sumSquares += (x[start + i] as number) ** 2;
    const inverseRms = 1 / Math.sqrt(sumSquares / width + eps);
    for (let i = 0; i < width; i++) y[start + i] = (x[start + i] as number) * inverseRms * (1 + (weight[i] as number));
  }
  return y;
}

function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** Rotates one head vector in place: x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1]. */
function applyRotary(x: Float64Array, offset: number, headDim: number, angles: Float64Array): void {
  const half = headDim / 2;
  for (let k = 0; k < half; k++) {
    const a = x[offset + k] as number;
    const b = x[offset + k + half] as number;
    const cos = Math.cos(angles[k] as number);
    const sin = Math.sin(angles[k] as number);
    x[offset + k] = a * cos - b * sin;
    x[offset + k + half] = b * cos + a * sin;
  }
}

function addInPlace(target: Float64Array, update: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + (update[i] as number);
}

export function referenceForward(
  config: DemoModelConfig,
  vocabSize: number,
  weight: WeightLookup,
  inputIds: readonly number[],
): ReferenceOutput {
  const { hiddenSize: h, headDim: d, numAttentionHeads: nHeads, numKeyValueHeads: nKv, rmsNormEps: eps } = config;
  const n = inputIds.length;
  const embedding = weight(weightNames.embedTokens);
  const scale = Math.fround(Math.sqrt(h));
  const hidden = new Float64Array(n * h);
  inputIds.forEach((id, s) => {
    for (let i = 0; i < h; i++) hidden[s * h + i] = (embedding[id * h + i] as number) * scale;
  });

  // Angles are float32 products in the graph (float position times float32 inv_freq).
  const invFreq = weight(weightNames.invFreq);
  const angles = Array.from({ length: n }, (_, pos) => Float64Array.from(invFreq, (f) => Math.fround(pos * f)));

  const layerOutputs: Float64Array[] = [];
  const groupSize = nHeads / nKv;
  const scoreScale = 1 / Math.sqrt(d);
  for (let layer = 0; layer < config.numHiddenLayers; layer++) {
    const w = (local: string): Float32Array => weight(weightNames.layer(layer, local));
    const normed = gemmaRmsNorm(hidden, h, w('input_layernorm.weight'), eps);
    const qProjected = matmul(normed, n, w('self_attn.q_proj.weight'), h, nHeads * d);
    const kProjected = matmul(normed, n, w('self_attn.k_proj.weight'), h, nKv * d);
    const q = gemmaRmsNorm(qProjected, d, w('self_attn.q_norm.weight'), eps);
    const k = gemmaRmsNorm(kProjected, d, w('self_attn.k_norm.weight'), eps);
    const v = matmul(normed, n, w('self_attn.v_proj.weight'), h, nKv * d);
    for (let s = 0; s < n; s++) {
      for (let head = 0; head < nHeads; head++) applyRotary(q, (s * nHeads + head) * d, d, angles[s] as Float64Array);
      for (let head = 0; head < nKv; head++) applyRotary(k, (s * nKv + head) * d, d, angles[s] as Float64Array);
    }
    const context = new Float64Array(n * nHeads * d);
    for (let head = 0; head < nHeads; head++) {
      const kvHead = Math.floor(head / groupSize);
      for (let i = 0; i < n; i++) {
        // Causal: query i sees keys 0..i.
        const scores = new Float64Array(i + 1);
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) {
            dot += (q[(i * nHeads + head) * d + c] as number) * (k[(j * nKv + kvHead) * d + c] as number);
          }
          scores[j] = dot * scoreScale;
        }
        const max = Math.max(...scores);
        const exps = scores.map((x) => Math.exp(x - max));
        const total = exps.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++) {
          const p = (exps[j] as number) / total;
          for (let c = 0; c < d; c++) {
            const at = (i * nHeads + head) * d + c;
            context[at] = (context[at] as number) + p * (v[(j * nKv + kvHead) * d + c] as number);
          }
        }
      }
    }
    const attention = matmul(context, n, w('self_attn.o_proj.weight'), nHeads * d, h);
    addInPlace(hidden, gemmaRmsNorm(attention, h, w('post_attention_layernorm.weight'), eps));

    const ffInput = gemmaRmsNorm(hidden, h, w('pre_feedforward_layernorm.weight'), eps);
    const gate = matmul(ffInput, n, w('mlp.gate_proj.weight'), h, config.intermediateSize);
    const up = matmul(ffInput, n, w('mlp.up_proj.weight'), h, config.intermediateSize);
    const product = gate.map((g, i) => geluTanh(g) * (up[i] as number));
    const ff = matmul(product, n, w('mlp.down_proj.weight'), config.intermediateSize, h);
    addInPlace(hidden, gemmaRmsNorm(ff, h, w('post_feedforward_layernorm.weight'), eps));
    layerOutputs.push(hidden.slice());
  }

  const final = gemmaRmsNorm(hidden, h, weight(weightNames.finalNorm), eps);
  // Tied LM head: logits = final @ embed_tokens^T.
  const logits = new Float64Array(n * vocabSize);
  for (let s = 0; s < n; s++) {
    for (let t = 0; t < vocabSize; t++) {
      let dot = 0;
      for (let i = 0; i < h; i++) dot += (final[s * h + i] as number) * (embedding[t * h + i] as number);
      logits[s * vocabSize + t] = dot;
    }
  }
  return { logits, layerOutputs, finalNormed: final };
}
