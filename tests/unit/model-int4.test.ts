import { create } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { dequantizeInt4, int4Initializers, quantizeInt4 } from '../../scripts/demo-model/int4.js';
import { encodeModel, intAttr, makeNode, makeValueInfo, OnnxDataType } from '../../src/model/onnx-graph.js';

describe('quantizeInt4', () => {
  it('packs two values per byte, low nibble first, with zero point 8 and scale max|w| / 7', () => {
    // K = 4 (one padded block of 32), N = 1: column [7, -7, 3.5, 0] -> scale 1 -> q = [15, 1, 12 (3.5 rounds to 4), 8].
    const weight = quantizeInt4(Float32Array.from([7, -7, 3.5, 0]), 4, 1);
    expect(Array.from(weight.scales)).toEqual([1]);
    expect(weight.packed[0]).toBe(15 | (1 << 4));
    expect(weight.packed[1]).toBe(12 | (8 << 4));
    expect(weight.packed[2]).toBe(8 | (8 << 4));
    expect(Array.from(dequantizeInt4(weight))).toEqual([7, -7, 4, 0]);
  });

  it('round-trips within half a step per block', () => {
    const k = 64;
    const n = 3;
    const values = Float32Array.from({ length: k * n }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const weight = quantizeInt4(values, k, n);
    const back = dequantizeInt4(weight);
    values.forEach((value, i) => {
      const column = i % n;
      const block = Math.floor(Math.floor(i / n) / 32);
      expect(Math.abs((back[i] as number) - value)).toBeLessThanOrEqual((weight.scales[column * 2 + block] as number) / 2 + 1e-6);
    });
  });

  it('is what onnxruntime\'s MatMulNBits multiplies by', async () => {
    const k = 64;
    const n = 5;
    const values = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.37));
    const weight = quantizeInt4(values, k, n);
    const [packed, scales] = int4Initializers('w', weight);
    const model = create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [{ domain: '', version: 17n }, { domain: 'com.microsoft', version: 1n }],
      graph: {
        name: 'nbits',
        node: [
          makeNode({
            opType: 'MatMulNBits',
            name: 'mm',
            domain: 'com.microsoft',
            inputs: ['x', packed!.name, scales!.name],
            outputs: ['y'],
            attributes: [intAttr('K', k), intAttr('N', n), intAttr('bits', 4), intAttr('block_size', 32)],
          }),
        ],
        initializer: [packed!, scales!],
        input: [makeValueInfo('x', OnnxDataType.FLOAT, [1, k])],
        output: [makeValueInfo('y', OnnxDataType.FLOAT, [1, n])],
      },
    });
    const session = await InferenceSession.create(encodeModel(model));
    const x = Float32Array.from({ length: k }, (_, i) => (i % 7) - 3);
    const y = (await session.run({ x: new Tensor('float32', x, [1, k]) }))['y']!.data as Float32Array;
    await session.release();
    const dense = dequantizeInt4(weight);
    const expected = Array.from({ length: n }, (_, column) => x.reduce((sum, xi, row) => sum + xi * dense[row * n + column]!, 0));
    expected.forEach((value, column) => expect(y[column]).toBeCloseTo(value, 4));
  });
});
