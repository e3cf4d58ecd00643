import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema } from 'onnx-buf';
import type { GraphProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/model/errors.js';
import { cotlabHookedNorms, locateFinalNorm, locateHookTensors } from '../../src/model/hook-points.js';
import { hookName } from '../../src/results/capture-points.js';
import type { ModelConfig } from '../../src/model/model-dir.js';
import { makeNode, makeValueInfo, OnnxDataType } from '../../src/model/onnx-graph.js';
import { float32Tensor, tensorAttr } from '../../scripts/demo-model/onnx-tensors.js';

function config(modelType: string, numLayers: number): ModelConfig {
  return { modelType, numLayers, hiddenSize: 4, numKeyValueHeads: 1, headDim: 4, maxPositionEmbeddings: null, raw: {} };
}

/**
 * A skeleton decoder named like torch.onnx: each norm is one Mul by a weight; the Mul constant of input_layernorm
 * comes from a Constant node hoisted to the model scope, and (optionally) a rotary tensor also enters it.
 */
function miniDecoder(layers: number, prefix = '/model', strayInput = false): GraphProto {
  const nodes = [
    makeNode({ opType: 'Gather', name: `${prefix}/embed_tokens/Gather`, inputs: ['embed', 'input_ids'], outputs: ['emb'] }),
    makeNode({
      opType: 'Constant',
      name: `${prefix}/Constant`,
      inputs: [],
      outputs: ['hoisted'],
      attributes: [tensorAttr('value', float32Tensor('', [], [1]))],
    }),
    makeNode({ opType: 'Cos', name: `${prefix}/rotary_emb/Cos`, inputs: ['input_ids'], outputs: ['cos'] }),
  ];
  let stream = 'emb';
  for (let i = 0; i < layers; i += 1) {
    const scope = `${prefix}/layers.${i}`;
    const op = (opType: string, local: string, inputs: string[]): string => {
      const name = `${scope}/${local}`;
      nodes.push(makeNode({ opType, name, inputs, outputs: [`${name}_output_0`] }));
      return `${name}_output_0`;
    };
    const normed = op('Mul', 'input_layernorm/Mul', [stream, 'hoisted', ...(strayInput ? ['cos'] : [])]);
    const attn = op('MatMul', 'self_attn/MatMul', [normed, 'w']);
    const residual = op('Add', 'Add', [stream, op('Mul', 'post_attention_layernorm/Mul', [attn, 'w'])]);
    const ff = op('MatMul', 'mlp/MatMul', [op('Mul', 'pre_feedforward_layernorm/Mul', [residual, 'w']), 'w']);
    stream = op('Add', 'Add_1', [residual, op('Mul', 'post_feedforward_layernorm/Mul', [ff, 'w'])]);
  }
  nodes.push(makeNode({ opType: 'Mul', name: `${prefix}/norm/Mul`, inputs: [stream, 'w'], outputs: ['normed'] }));
  nodes.push(makeNode({ opType: 'MatMul', name: '/lm_head/MatMul', inputs: ['normed', 'w'], outputs: ['logits'] }));
  return create(GraphProtoSchema, {
    node: nodes,
    initializer: [float32Tensor('w', [1], [1]), float32Tensor('embed', [1], [1])],
    input: [makeValueInfo('input_ids', OnnxDataType.INT64, ['batch', 'seq'])],
    output: [makeValueInfo('logits', OnnxDataType.FLOAT, ['batch', 'seq', 4])],
  });
}

describe('locateHookTensors (optimum layout)', () => {
  it('finds resid_post as the residual Add feeding the next layer, and the final norm input for the last', () => {
    const located = locateHookTensors(miniDecoder(3), config('gemma3_text', 3), 'resid_post');
    expect(located).toEqual({
      source: 'optimum',
      tensors: ['/model/layers.0/Add_1_output_0', '/model/layers.1/Add_1_output_0', '/model/layers.2/Add_1_output_0'],
    });
  });

  it('ignores other tensors entering input_layernorm and works under a language_model prefix', () => {
    const located = locateHookTensors(miniDecoder(2, '/model/language_model', true), config('gemma3', 2), 'resid_post');
    expect(located.tensors).toEqual([
      '/model/language_model/layers.0/Add_1_output_0',
      '/model/language_model/layers.1/Add_1_output_0',
    ]);
  });

  it('taps the norm CoTLab hooks: post_feedforward for Gemma, post_attention for Llama', () => {
    expect(locateHookTensors(miniDecoder(2), config('gemma3_text', 2), 'cotlab').tensors).toEqual([
      '/model/layers.0/post_feedforward_layernorm/Mul_output_0',
      '/model/layers.1/post_feedforward_layernorm/Mul_output_0',
    ]);
    expect(locateHookTensors(miniDecoder(2), config('llama', 2), 'cotlab').tensors).toEqual([
      '/model/layers.0/post_attention_layernorm/Mul_output_0',
      '/model/layers.1/post_attention_layernorm/Mul_output_0',
    ]);
    expect(cotlabHookedNorms('qwen3')).toEqual(['post_attention_layernorm']);
  });

  it('composes hf_hidden_states from resid_post and, for the last layer, the final norm\'s output', () => {
    expect(locateHookTensors(miniDecoder(3), config('llama', 3), 'hf_hidden_states')).toEqual({
      source: 'optimum',
      tensors: ['/model/layers.0/Add_1_output_0', '/model/layers.1/Add_1_output_0', 'normed'],
    });
  });

  it('locates the final norm with what it reads and writes and its scale weight', () => {
    expect(locateFinalNorm(miniDecoder(3), config('llama', 3))).toEqual({
      source: 'optimum',
      finalNorm: {
        input: '/model/layers.2/Add_1_output_0',
        output: 'normed',
        nodes: ['/model/norm/Mul'],
        weight: 'w',
        scalePlusOne: false,
        exposedOutputs: [],
      },
    });
  });

  it('rejects a layer count that disagrees with config.json', () => {
    expect(() => locateHookTensors(miniDecoder(2), config('gemma3_text', 3), 'resid_post')).toThrow(
      'The graph has 2 decoder layers (optimum layout) but config.json says num_hidden_layers = 3.',
    );
  });

  it('describes the graph when no layer can be located', () => {
    const graph = create(GraphProtoSchema, {
      node: [makeNode({ opType: 'Add', name: 'add_node', inputs: ['a', 'b'], outputs: ['c'] })],
      input: [makeValueInfo('a', OnnxDataType.FLOAT, [1]), makeValueInfo('b', OnnxDataType.FLOAT, [1])],
      output: [makeValueInfo('c', OnnxDataType.FLOAT, [1])],
    });
    try {
      locateHookTensors(graph, config('gemma3_text', 2), 'resid_post');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ModelError);
      const message = (err as Error).message;
      expect(message).toContain('Cannot locate the resid_post tensors');
      expect(message).toContain('optimum: no node sits in a `layers.N/input_layernorm` scope');
      expect(message).toContain('1 nodes; top-level scopes: (unscoped); first nodes: add_node; inputs: a, b; outputs: c');
      expect(message).toContain('hook_map.resid_post');
    }
  });
});

describe('locateHookTensors with hook_map', () => {
  const graph = miniDecoder(2);

  it('uses the named tensors when they exist', () => {
    const names = ['/model/layers.0/Add_output_0', '/model/layers.1/Add_output_0'];
    expect(locateHookTensors(graph, config('gemma3_text', 2), 'cotlab', { hookMap: { cotlab: names } })).toEqual({
      source: 'hook_map',
      tensors: names,
    });
  });

  it('falls back to the graph structure for a hook the map does not name', () => {
    expect(locateHookTensors(graph, config('gemma3_text', 2), 'resid_post', { hookMap: { cotlab: ['x', 'y'] } }).source).toBe('optimum');
  });

  it('rejects a name that is not in the graph, naming the entry', () => {
    try {
      locateHookTensors(graph, config('gemma3_text', 2), 'resid_post', { hookMap: { resid_post: ['emb', 'no_such_tensor'] } });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('hook_map.resid_post[1] names tensor "no_such_tensor", which is not in the graph.');
      expect((err as ModelError).context).toMatchObject({ field: 'hook_map.resid_post[1]', layer: 1 });
    }
  });

  it('rejects a map whose length is not the layer count', () => {
    expect(() => locateHookTensors(graph, config('gemma3_text', 2), 'resid_post', { hookMap: { resid_post: ['emb'] } })).toThrow(
      /names 1 tensors but the model has 2 layers/,
    );
  });
});

describe('hookName', () => {
  it('names captured points in TransformerLens vocabulary, the last hf_hidden_states one ln_final.hook_normalized', () => {
    expect(hookName(3, 'resid_post', 6)).toBe('blocks.3.hook_resid_post');
    expect(hookName(3, 'cotlab', 6)).toBe('blocks.3.hook_cotlab');
    expect(hookName(4, 'hf_hidden_states', 6)).toBe('blocks.4.hook_resid_post');
    expect(hookName(5, 'hf_hidden_states', 6)).toBe('ln_final.hook_normalized');
  });

  it('falls back to Hugging Face\'s hidden_states index when the layer count is unknown', () => {
    expect(hookName(5, 'hf_hidden_states', null)).toBe('hidden_states.6');
    expect(hookName(5, 'resid_post', null)).toBe('blocks.5.hook_resid_post');
  });
});
