import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, GraphProtoSchema, ModelProtoSchema } from 'onnx-buf';
import { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCaptureGraph, captureOutputName } from '../../src/model/capture-graph.js';
import { buildDemoModel, weightNames } from '../../scripts/demo-model/index.js';
import { locateHookTensors } from '../../src/model/hook-points.js';
import { formatInspection, inspectModel } from '../../src/model/inspect.js';
import { findUseCacheIf, inlinePrefillBranch, optimumMergedExportStyle, USE_CACHE_BRANCH } from '../../src/model/export-styles/optimum-merged.js';
import { normaliseDecoder } from '../../src/model/export-styles/registry.js';
import { inspectModelDir, type ModelDirectory } from '../../src/model/model-dir.js';
import { openModelHost, type ModelHostOptions } from '../../src/model/model-host.js';
import { ModelError } from '../../src/model/errors.js';
import { decodeModel, encodeModel, makeNode, makeValueInfo, OnnxDataType, type GraphProto, type ModelProto } from '../../src/model/onnx-graph.js';
import { float32Tensor, tensorToFloat32 } from '../../scripts/demo-model/onnx-tensors.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import { loadPromptTokenizer } from '../../src/model/tokenizer.js';
import { relativeError } from '../helpers/relative-error.js';
import { cpuHostOptions } from '../helpers/host-options.js';

const PROMPT = 'Histopathology report: invasive ductal carcinoma of the left breast, grade 2, margins clear.';

let scratch: string;
let merged: { dir: ModelDirectory; model: ModelProto };
let plainDir: string;
let encode: (text: string) => number[];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-merged-decoder-'));
  buildDemoModel(path.join(scratch, 'merged'), { mergedIf: true });
  plainDir = path.join(scratch, 'plain');
  buildDemoModel(plainDir, {});
  const dir = inspectModelDir(path.join(scratch, 'merged'));
  merged = { dir, model: decodeModel(readFileSync(dir.graphPath)) };
  const tokenizer = loadPromptTokenizer(dir.tokenizerPath, dir.tokenizerConfigPath);
  encode = (text) => tokenizer.encode(text);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function hostOptions(modelDir: string, overrides: Partial<ModelHostOptions> = {}): ModelHostOptions {
  return cpuHostOptions(modelDir, scratch, overrides);
}

/** Every op type in a graph, its subgraphs included. */
function opTypes(graph: GraphProto): string[] {
  return graph.node.flatMap((node) => [
    node.opType,
    ...node.attribute.flatMap((attribute) => [...(attribute.g ? [attribute.g] : []), ...attribute.graphs].flatMap(opTypes)),
  ]);
}

function initializer(graph: GraphProto, name: string): Float32Array {
  return tensorToFloat32(graph.initializer.find((tensor) => tensor.name === name)!);
}

describe('the merged-decoder fixture', () => {
  it('is one If on use_cache_branch whose branches hold the decoder, norm weights inside the branches', () => {
    const graph = merged.model.graph!;
    expect(graph.node.map((node) => node.opType)).toEqual(['If']);
    expect(graph.input.map((input) => input.name)).toContain(USE_CACHE_BRANCH);
    const ifNode = findUseCacheIf(graph)!;
    expect(ifNode.output).toEqual(graph.output.map((output) => output.name));
    const elseBranch = ifNode.attribute.find((attribute) => attribute.name === 'else_branch')!.g!;
    expect(elseBranch.initializer.map((tensor) => tensor.name)).toContain(weightNames.finalNorm);
    expect(graph.initializer.map((tensor) => tensor.name)).not.toContain(weightNames.finalNorm);
    expect(() => locateHookTensors(graph, merged.dir.config, 'resid_post')).toThrow(/Cannot locate the resid_post tensors/);
  });
});

describe('inlining the prefill branch', () => {
  it('leaves no If and no use_cache_branch input, and the If outputs come from the branch nodes', () => {
    const graph = inlinePrefillBranch(merged.model).graph!;
    expect(opTypes(graph)).not.toContain('If');
    expect(graph.input.map((input) => input.name)).not.toContain(USE_CACHE_BRANCH);
    const produced = new Set(graph.node.flatMap((node) => node.output));
    for (const output of graph.output) expect(produced.has(output.name)).toBe(true);
    expect(graph.initializer.map((tensor) => tensor.name)).toContain(weightNames.finalNorm);
    expect(normaliseDecoder(merged.model).styles).toEqual([optimumMergedExportStyle]);
    expect(normaliseDecoder(decodeModel(readFileSync(path.join(plainDir, 'model.onnx')))).styles).not.toContain(optimumMergedExportStyle);
  });

  it('locates the same hook tensors as the plain optimum export, reported as optimum-merged', () => {
    const plain = decodeModel(readFileSync(path.join(plainDir, 'model.onnx')));
    const graph = inlinePrefillBranch(merged.model).graph!;
    for (const hook of ['resid_post', 'cotlab'] as const) {
      const located = locateHookTensors(graph, merged.dir.config, hook, { styles: [optimumMergedExportStyle] });
      expect(located.source).toBe('optimum-merged');
      expect(located.tensors).toEqual(locateHookTensors(plain.graph!, merged.dir.config, hook).tensors);
    }
  });

  it('runs with the same logits as the unedited merged model fed use_cache_branch = false', async () => {
    const ids = encode(PROMPT);
    const run = async (model: ModelProto) => {
      const { session } = await openSession(encodeModel(model), { device: 'cpu', externalDataDir: path.dirname(merged.dir.graphPath) });
      const feeds = prefillFeeds(session, [ids], merged.dir.config);
      const results = await session.run(feeds, ['logits']);
      await session.release();
      return { feeds: Object.keys(feeds), logits: results['logits']!.data as Float32Array };
    };
    const original = await run(merged.model);
    const inlined = await run(inlinePrefillBranch(merged.model));
    expect(original.feeds).toContain(USE_CACHE_BRANCH);
    expect(inlined.feeds).not.toContain(USE_CACHE_BRANCH);
    expect(relativeError(inlined.logits, original.logits)).toBeLessThan(1e-6);
  });
});

/** x -> If(use_cache_branch): then (x + 1, x), else (x * 2 with a branch-local 2, x passed through). */
function tinyMergedModel(): ModelProto {
  const graphAttr = (name: string, g: GraphProto) =>
    create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.GRAPH, g });
  const branch = (name: string, opType: string, constant: number) =>
    create(GraphProtoSchema, {
      name,
      node: [makeNode({ opType, name: `/${name}/${opType}`, inputs: ['x', `${name}_c`], outputs: [`${name}_y`] })],
      initializer: [float32Tensor(`${name}_c`, [1], [constant])],
      output: [makeValueInfo(`${name}_y`, OnnxDataType.FLOAT, [1]), makeValueInfo('x', OnnxDataType.FLOAT, [1])],
    });
  return create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ domain: '', version: 17n }],
    graph: {
      name: 'tiny',
      node: [
        makeNode({
          opType: 'If',
          name: 'optimum::if',
          inputs: [USE_CACHE_BRANCH],
          outputs: ['y', 'z'],
          attributes: [graphAttr('then_branch', branch('with_past', 'Add', 1)), graphAttr('else_branch', branch('no_past', 'Mul', 2))],
        }),
      ],
      input: [makeValueInfo('x', OnnxDataType.FLOAT, [1]), makeValueInfo(USE_CACHE_BRANCH, OnnxDataType.BOOL, [1])],
      output: [makeValueInfo('y', OnnxDataType.FLOAT, [1]), makeValueInfo('z', OnnxDataType.FLOAT, [1])],
    },
  });
}

describe('inlining a hand-made merged graph', () => {
  it('takes the else_branch, keeps its initializers and passes an outer name through an Identity', async () => {
    const inlined = inlinePrefillBranch(tinyMergedModel());
    expect(inlined.graph!.node.map((node) => node.opType)).toEqual(['Mul', 'Identity']);
    expect(inlined.graph!.input.map((input) => input.name)).toEqual(['x']);
    const { session } = await openSession(encodeModel(inlined), { device: 'cpu', externalDataDir: scratch });
    const results = await session.run({ x: new Tensor('float32', Float32Array.from([3]), [1]) });
    await session.release();
    expect(Array.from(results['y']!.data as Float32Array)).toEqual([6]);
    expect(Array.from(results['z']!.data as Float32Array)).toEqual([3]);
  });

  it('refuses a branch that redefines a name of the outer graph', () => {
    const model = tinyMergedModel();
    model.graph!.input.push(makeValueInfo('no_past_y', OnnxDataType.FLOAT, [1]));
    expect(() => inlinePrefillBranch(model)).toThrow(ModelError);
    expect(() => inlinePrefillBranch(model)).toThrow(/defines "no_past_y", a name the outer graph already uses/);
  });
});

describe('capture from a merged decoder', () => {
  it('final norm + LM head on the last layer\'s capture reproduce the unedited merged model\'s logits', async () => {
    const ids = encode(PROMPT);
    const { session } = await openSession(encodeModel(merged.model), { device: 'cpu', externalDataDir: path.dirname(merged.dir.graphPath) });
    const feeds = prefillFeeds(session, [ids], merged.dir.config);
    expect(feeds[USE_CACHE_BRANCH]!.data).toEqual(new Uint8Array([0]));
    const logits = (await session.run(feeds, ['logits']))['logits']!;
    await session.release();
    const vocab = logits.dims[2] as number;
    const expected = (logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab);

    const { config } = merged.dir;
    const host = await openModelHost(hostOptions(merged.dir.dir, { layers: [config.numLayers - 1], pooling: 'last_token' }));
    const [last] = (await host.capture(PROMPT, { maxInputTokens: null })).pooled;
    await host.dispose();
    expect(host.info.exportStyle).toBe('optimum-merged');
    // Gemma RMSNorm x / rms(x) * (1 + w), then the LM head tied to the embedding. The norm weight is branch-local.
    const elseBranch = findUseCacheIf(merged.model.graph!)!.attribute.find((attribute) => attribute.name === 'else_branch')!.g!;
    const scale = initializer(elseBranch, weightNames.finalNorm).map((w) => 1 + w);
    const embedding = initializer(merged.model.graph!, weightNames.embedTokens);
    const eps = config.raw['rms_norm_eps'] as number;
    const rms = Math.sqrt(last!.reduce((sum, x) => sum + x * x, 0) / last!.length + eps);
    const normed = Array.from(last!, (x, i) => (x / rms) * scale[i]!);
    const width = config.hiddenSize;
    const reproduced = Array.from({ length: vocab }, (_, token) =>
      normed.reduce((sum, x, i) => sum + x * embedding[token * width + i]!, 0),
    );
    expect(relativeError(reproduced, expected)).toBeLessThan(1e-4);
  });

  it.each(['resid_post', 'hf_hidden_states', 'cotlab'] as const)('captures every %s layer as the plain optimum export does', async (hook) => {
    const a = await openModelHost(hostOptions(merged.dir.dir, { hook }));
    const b = await openModelHost(hostOptions(plainDir, { hook }));
    const mine = await a.capture(PROMPT, { maxInputTokens: null });
    const theirs = await b.capture(PROMPT, { maxInputTokens: null });
    await a.dispose();
    await b.dispose();
    expect(mine.pooled).toHaveLength(merged.dir.config.numLayers);
    mine.pooled.forEach((vector, layer) => expect(relativeError(vector, theirs.pooled[layer]!)).toBeLessThan(1e-5));
  });

  it('edits the graph so it has no If, no use_cache_branch and no logits', async () => {
    const { model } = normaliseDecoder(merged.model);
    const { config } = merged.dir;
    const located = locateHookTensors(model.graph!, config, 'resid_post', { styles: [optimumMergedExportStyle] });
    const layers = Array.from({ length: config.numLayers }, (_, layer) => layer);
    const edited = buildCaptureGraph(model, {
      hook: 'resid_post',
      layers,
      tensors: located.tensors,
      poolings: ['mean'],
      hiddenSize: config.hiddenSize,
      unpooled: false,
    });
    const graph = edited.graph!;
    expect(opTypes(graph)).not.toContain('If');
    expect(graph.input.map((input) => input.name)).not.toContain(USE_CACHE_BRANCH);
    expect(graph.output.map((output) => output.name)).toEqual(layers.map((layer) => captureOutputName(layer, 'resid_post', 'mean')));
    expect(graph.node.some((node) => node.output.includes('logits'))).toBe(false);
    const { session } = await openSession(encodeModel(edited), { device: 'cpu', externalDataDir: path.dirname(merged.dir.graphPath) });
    expect(session.outputNames).not.toContain('logits');
    await session.release();
  });
});

describe('inspect', () => {
  it('names the merged style and lists the file\'s own inputs, use_cache_branch included', () => {
    const inspection = inspectModel(merged.dir.dir);
    expect(inspection.exportStyle).toBe('optimum-merged');
    expect(inspection.exportStyleDescription).toBe('optimum merged decoder (If on use_cache_branch; prefill branch inlined)');
    expect(inspection.problems).toEqual([]);
    expect(inspection.inputs.map((input) => input.name)).toContain(USE_CACHE_BRANCH);
    expect(inspection.hooks[0]).toEqual({
      layer: 0,
      resid_post: '/model/layers.0/Add_1_output_0',
      hf_hidden_states: '/model/layers.0/Add_1_output_0',
      cotlab: '/model/layers.0/post_feedforward_layernorm/Mul_1_output_0',
    });
    expect(formatInspection(inspection)).toMatch(
      /Export style\s+optimum-merged: optimum merged decoder \(If on use_cache_branch; prefill branch inlined\)/,
    );
  });
});
