/**
 * Round-to-nearest symmetric int4 block quantization in the layout of onnxruntime's com.microsoft MatMulNBits
 * (bits 4, no zero points, so the implied zero point is 8), as the onnxruntime-genai builder writes it.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema } from 'onnx-buf';
import type { TensorProto } from '../../src/model/onnx-graph.js';
import { OnnxDataType } from '../../src/model/onnx-graph.js';
import { float32Tensor } from './onnx-tensors.js';

export const INT4_BLOCK_SIZE = 32;
const ZERO_POINT = 8;

/** W [K, N] (row-major, [in, out] as MatMul takes it) quantized per output column in blocks of K. */
export interface Int4Weight {
  k: number;
  n: number;
  blockSize: number;
  /** [N, blocks, blockSize / 2]: two 4-bit values per byte, the lower k in the low nibble. */
  packed: Uint8Array;
  /** [N * blocks] */
  scales: Float32Array;
}

function blocksPerColumn(k: number, blockSize: number): number {
  return Math.ceil(k / blockSize);
}

export function quantizeInt4(values: Float32Array, k: number, n: number, blockSize = INT4_BLOCK_SIZE): Int4Weight {
  const blocks = blocksPerColumn(k, blockSize);
  const blobSize = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blobSize);
  const scales = new Float32Array(n * blocks);
  for (let column = 0; column < n; column++) {
    for (let block = 0; block < blocks; block++) {
      const start = block * blockSize;
      const end = Math.min(k, start + blockSize);
      let maxAbs = 0;
      for (let row = start; row < end; row++) maxAbs = Math.max(maxAbs, Math.abs(values[row * n + column] as number));
      // Symmetric: the largest magnitude maps to 7, the int4 range is [-8, 7].
      const scale = Math.fround(maxAbs > 0 ? maxAbs / 7 : 1);
      scales[column * blocks + block] = scale;
      for (let row = start; row < end; row++) {
        const q = Math.min(7, Math.max(-8, Math.round((values[row * n + column] as number) / scale))) + ZERO_POINT;
        const offset = row - start;
        const at = (column * blocks + block) * blobSize + (offset >> 1);
        packed[at] = (packed[at] as number) | (offset % 2 === 0 ? q : q << 4);
      }
      // Padding rows past K decode to 0 (the zero point).
      for (let offset = end - start; offset < blockSize; offset++) {
        const at = (column * blocks + block) * blobSize + (offset >> 1);
        packed[at] = (packed[at] as number) | (offset % 2 === 0 ? ZERO_POINT : ZERO_POINT << 4);
      }
    }
  }
  return { k, n, blockSize, packed, scales };
}

/** The float32 [K, N] matrix MatMulNBits multiplies by: (q - 8) * scale. */
export function dequantizeInt4(weight: Int4Weight): Float32Array {
  const { k, n, blockSize, packed, scales } = weight;
  const blocks = blocksPerColumn(k, blockSize);
  const out = new Float32Array(k * n);
  for (let column = 0; column < n; column++) {
    for (let row = 0; row < k; row++) {
      const block = Math.floor(row / blockSize);
      const offset = row % blockSize;
      const byte = packed[(column * blocks + block) * (blockSize / 2) + (offset >> 1)] as number;
      const q = offset % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[row * n + column] = Math.fround((q - ZERO_POINT) * (scales[column * blocks + block] as number));
    }
  }
  return out;
}

/** Initializer names of a quantized weight, after the onnxruntime-genai builder's `_Q4` / `_scales` suffixes. */
export function int4TensorNames(weightName: string): { packed: string; scales: string } {
  return { packed: `${weightName}_Q4`, scales: `${weightName}_scales` };
}

export function int4Initializers(weightName: string, weight: Int4Weight): TensorProto[] {
  const names = int4TensorNames(weightName);
  const blocks = blocksPerColumn(weight.k, weight.blockSize);
  const packed = create(TensorProtoSchema, {
    name: names.packed,
    dims: [weight.n, blocks, weight.blockSize / 2].map(BigInt),
    dataType: OnnxDataType.UINT8,
    rawData: new Uint8Array(weight.packed),
  });
  return [packed, float32Tensor(names.scales, [weight.n * blocks], weight.scales)];
}
