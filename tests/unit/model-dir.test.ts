import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors.js';
import { externalDataFiles, inspectModelDir, readModelConfig } from '../../src/model/model-dir.js';
import { float32Tensor } from '../../scripts/demo-model/onnx-tensors.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'model-dir-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function modelDir(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

const gemmaConfig = JSON.stringify({ model_type: 'gemma3_text', num_hidden_layers: 6, hidden_size: 64, num_key_value_heads: 2, head_dim: 16 });

describe('inspectModelDir', () => {
  it('lists every missing file and names the directory', () => {
    const dir = modelDir('incomplete', { 'config.json': gemmaConfig, 'tokenizer_config.json': '{}' });
    try {
      inspectModelDir(dir);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ModelError);
      expect((err as Error).message).toBe(`Model directory ${dir} is missing model.onnx, tokenizer.json.`);
      expect((err as ModelError).context).toEqual({ dir, file: 'model.onnx' });
    }
  });

  it('accepts a configured graph file name and resolves absolute paths', () => {
    const dir = modelDir('complete', {
      'decoder.onnx': '',
      'config.json': gemmaConfig,
      'tokenizer.json': '{}',
      'tokenizer_config.json': '{}',
    });
    const found = inspectModelDir(dir, 'decoder.onnx');
    expect(found.graphPath).toBe(path.join(dir, 'decoder.onnx'));
    expect(found.config).toMatchObject({ modelType: 'gemma3_text', numLayers: 6, hiddenSize: 64, numKeyValueHeads: 2, headDim: 16, maxPositionEmbeddings: null });
    expect(() => inspectModelDir(dir)).toThrow(/missing model\.onnx/);
  });

  it('rejects a path that is not a folder', () => {
    expect(() => inspectModelDir(path.join(scratch, 'nowhere'))).toThrow(/does not exist or is not a folder/);
  });
});

describe('readModelConfig', () => {
  it('reads multimodal configs from text_config and derives head_dim from the head count', () => {
    const dir = modelDir('multimodal', {
      'config.json': JSON.stringify({
        model_type: 'gemma3',
        text_config: {
          model_type: 'gemma3_text',
          num_hidden_layers: 34,
          hidden_size: 2560,
          num_attention_heads: 8,
          max_position_embeddings: 131072,
        },
      }),
    });
    expect(readModelConfig(path.join(dir, 'config.json'))).toMatchObject({
      modelType: 'gemma3',
      numLayers: 34,
      hiddenSize: 2560,
      numKeyValueHeads: 8,
      headDim: 320,
      maxPositionEmbeddings: 131072,
    });
  });

  it('says which required field is absent', () => {
    const dir = modelDir('no-hidden', { 'config.json': JSON.stringify({ model_type: 'llama', num_hidden_layers: 2 }) });
    expect(() => readModelConfig(path.join(dir, 'config.json'))).toThrow(/does not state hidden_size/);
  });

  it('says which field has the wrong type', () => {
    const dir = modelDir('bad-type', { 'config.json': JSON.stringify({ model_type: 'llama', num_hidden_layers: '2', hidden_size: 8 }) });
    expect(() => readModelConfig(path.join(dir, 'config.json'))).toThrow(/field "num_hidden_layers" is invalid/);
  });
});

describe('externalDataFiles', () => {
  function modelWithExternalWeight(location: string) {
    const weight = float32Tensor('w', [1], [0]);
    weight.rawData = new Uint8Array(0);
    weight.dataLocation = TensorProto_DataLocation.EXTERNAL;
    weight.externalData = [{ $typeName: 'onnx.StringStringEntryProto', key: 'location', value: location }];
    return create(ModelProtoSchema, { graph: { initializer: [weight] } });
  }

  it('resolves data files next to the graph file', () => {
    const dir = modelDir('external-ok', { 'model.onnx_data': 'xxxx' });
    expect(externalDataFiles(modelWithExternalWeight('model.onnx_data'), path.join(dir, 'model.onnx'))).toEqual([
      path.join(dir, 'model.onnx_data'),
    ]);
  });

  it('fails early when a data file is missing', () => {
    const dir = modelDir('external-missing', {});
    expect(() => externalDataFiles(modelWithExternalWeight('model.onnx_data'), path.join(dir, 'model.onnx'))).toThrow(
      `${path.join(dir, 'model.onnx')} keeps its weights in model.onnx_data, which is not in ${dir}.`,
    );
  });
});
