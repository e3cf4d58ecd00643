import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, equals } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelProto } from '../../src/model/onnx-graph.js';
import { OnnxDataType, OnnxGraphError, decodeModel, encodeModel, int64Tensor, intAttr, makeNode, makeValueInfo, opsetVersion } from '../../src/model/onnx-graph.js';
import { float32Tensor, floatAttr, intsAttr, stringAttr, tensorToFloat32 } from '../../scripts/demo-model/onnx-tensors.js';
import { readInitializerFloat32, readModel, writeModel } from '../helpers/onnx-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'onnx-graph-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sampleModel(): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'test',
    opsetImport: [
      { domain: '', version: 17n },
      { domain: 'com.microsoft', version: 1n },
    ],
    graph: {
      name: 'g',
      node: [
        makeNode({
          opType: 'ReduceMean',
          name: '/block/ReduceMean',
          inputs: ['x'],
          outputs: ['/block/ReduceMean_output_0'],
          attributes: [intsAttr('axes', [-1]), intAttr('keepdims', 1)],
        }),
        makeNode({
          opType: 'LeakyRelu',
          name: '/block/LeakyRelu',
          inputs: ['/block/ReduceMean_output_0'],
          outputs: ['y'],
          attributes: [floatAttr('alpha', 0.25)],
        }),
        makeNode({
          opType: 'Custom',
          name: '/block/Custom',
          inputs: ['y'],
          outputs: ['z'],
          attributes: [stringAttr('mode', 'résumé')],
          domain: 'com.microsoft',
        }),
      ],
      initializer: [
        float32Tensor('w', [2, 2], [1.5, -2, 0.125, 3e-8]),
        int64Tensor('axes', [2], [-1n, 9007199254740993n]),
      ],
      input: [makeValueInfo('x', OnnxDataType.FLOAT, ['batch_size', 'sequence_length', 4])],
      output: [makeValueInfo('z', OnnxDataType.FLOAT, ['batch_size', 'sequence_length', 1])],
    },
  });
}

describe('tensor, node and value-info builders', () => {
  it('stores float32 and int64 values as little-endian raw_data', () => {
    const f = float32Tensor('f', [2], [1, -2]);
    expect(Array.from(f.rawData)).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
    expect(f.dims).toEqual([2n]);
    expect(f.dataType).toBe(OnnxDataType.FLOAT);
    const i = int64Tensor('i', [2], [1, -1n]);
    expect(Array.from(i.rawData)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect(i.dataType).toBe(OnnxDataType.INT64);
  });

  it('rejects a value count that does not match the shape', () => {
    expect(() => float32Tensor('bad', [2, 3], [1, 2])).toThrow(/has 2 values but its shape \[2, 3\] needs 6/);
  });

  it('writes typed attributes and symbolic dims', () => {
    const node = sampleModel().graph?.node;
    expect(node?.[0]?.attribute.map((a) => [a.name, a.ints, a.i])).toEqual([
      ['axes', [-1n], 0n],
      ['keepdims', [], 1n],
    ]);
    expect(node?.[1]?.attribute[0]?.f).toBe(0.25);
    expect(new TextDecoder().decode(node?.[2]?.attribute[0]?.s)).toBe('résumé');
    expect(node?.[2]?.domain).toBe('com.microsoft');
    const input = sampleModel().graph?.input[0];
    const type = input?.type?.value;
    expect(type?.case).toBe('tensorType');
    const dims = type?.case === 'tensorType' ? type.value.shape?.dim.map((d) => d.value.value) : [];
    expect(dims).toEqual(['batch_size', 'sequence_length', 4n]);
  });
});

describe('encode / decode', () => {
  it('round-trips losslessly: decode(encode(m)) equals m, and re-encoding gives the same bytes', () => {
    const model = sampleModel();
    const bytes = encodeModel(model);
    const decoded = decodeModel(bytes);
    expect(equals(ModelProtoSchema, decoded, model)).toBe(true);
    const again = encodeModel(decoded);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    expect(equals(ModelProtoSchema, decodeModel(again), decoded)).toBe(true);
  });

  it('keeps fields this ONNX version does not know', () => {
    // Field 1000, varint 7: what a newer ONNX writer could add to ModelProto.
    const unknownField = Uint8Array.from([0xc0, 0x3e, 0x07]);
    const bytes = Buffer.concat([encodeModel(sampleModel()), unknownField]);
    const reencoded = Buffer.from(encodeModel(decodeModel(bytes)));
    expect(reencoded.equals(bytes)).toBe(true);
  });

  it('writes and reads files, and names the file when it is not ONNX', () => {
    const path = join(scratch, 'sample.onnx');
    writeModel(sampleModel(), path);
    expect(equals(ModelProtoSchema, readModel(path), sampleModel())).toBe(true);
    const junk = join(scratch, 'junk.onnx');
    writeFileSync(junk, Uint8Array.from([0xff, 0xff, 0xff]));
    expect(() => readModel(junk)).toThrow(OnnxGraphError);
    expect(() => readModel(junk)).toThrow(junk);
    expect(() => readModel(join(scratch, 'missing.onnx'))).toThrow(/Cannot read the ONNX model file/);
  });

  it('reports opset versions per domain', () => {
    const model = sampleModel();
    expect(opsetVersion(model)).toBe(17);
    expect(opsetVersion(model, 'com.microsoft')).toBe(1);
    expect(opsetVersion(model, 'ai.onnx.ml')).toBeNull();
  });
});

describe('readInitializerFloat32', () => {
  it('reads raw_data initializers exactly as float32', () => {
    expect(Array.from(readInitializerFloat32(sampleModel(), 'w'))).toEqual([1.5, -2, 0.125, Math.fround(3e-8)]);
  });

  it('reads float_data tensors', () => {
    const t = create(TensorProtoSchema, {
      name: 'fd',
      dims: [3n],
      dataType: OnnxDataType.FLOAT,
      floatData: [1, 2.5, -4],
    });
    expect(Array.from(tensorToFloat32(t))).toEqual([1, 2.5, -4]);
  });

  it('reads external data at its offset, relative to the model folder', () => {
    const data = new Uint8Array(12 + 8);
    new DataView(data.buffer).setFloat32(12, 0.75, true);
    new DataView(data.buffer).setFloat32(16, -8, true);
    writeFileSync(join(scratch, 'weights.bin'), data);
    const model = sampleModel();
    model.graph?.initializer.push(
      create(TensorProtoSchema, {
        name: 'ext',
        dims: [2n],
        dataType: OnnxDataType.FLOAT,
        dataLocation: TensorProto_DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: 'weights.bin' },
          { key: 'offset', value: '12' },
          { key: 'length', value: '8' },
        ],
      }),
    );
    expect(Array.from(readInitializerFloat32(model, 'ext', scratch))).toEqual([0.75, -8]);
    expect(() => readInitializerFloat32(model, 'ext')).toThrow(/model folder is needed/);
    const entries = model.graph?.initializer.at(-1)?.externalData;
    if (entries?.[2]) entries[2].value = '400';
    expect(() => readInitializerFloat32(model, 'ext', scratch)).toThrow(/does not fit/);
    if (entries?.[0]) entries[0].value = '../outside.bin';
    expect(() => readInitializerFloat32(model, 'ext', scratch)).toThrow(/outside the model folder/);
  });

  it('names the weight when it is missing or not float32', () => {
    expect(() => readInitializerFloat32(sampleModel(), 'nope')).toThrow('The model has no weight named nope.');
    expect(() => readInitializerFloat32(sampleModel(), 'axes')).toThrow(/axes holds INT64 values, not float32/);
    let caught: unknown = null;
    try {
      readInitializerFloat32(sampleModel(), 'nope');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OnnxGraphError);
    expect((caught as OnnxGraphError).context.tensor).toBe('nope');
  });
});
