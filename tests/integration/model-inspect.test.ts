import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerInspectCommand } from '../../src/cli/inspect-command.js';
import { buildDemoModel, type DemoModelOptions } from '../../scripts/demo-model/index.js';
import { formatInspection, inspectModel } from '../../src/model/inspect.js';
import { writeModel } from '../helpers/onnx-files.js';
import { singleAddModel } from '../helpers/single-add-model.js';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-inspect-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function build(name: string, options: DemoModelOptions): string {
  const dir = path.join(scratch, name);
  buildDemoModel(dir, options);
  return dir;
}

const LAYERS = [0, 1, 2, 3, 4, 5];

describe('inspectModel', () => {
  it('explains a plain optimum-style float32 export', () => {
    const inspection = inspectModel(build('optimum', {}));
    expect(inspection).toMatchObject({
      graphFile: 'model.onnx',
      embeddingFile: null,
      genaiConfigFile: null,
      modelType: 'gemma3_text',
      exportStyle: 'optimum',
      numLayers: 6,
      hiddenSize: 64,
      opset: 17,
      dtype: 'float32',
      quantization: { kind: 'float32', bits: null, blockSize: null, description: 'float32 weights' },
      externalDataFiles: [],
      exposedOutputs: [],
      problems: [],
    });
    expect(inspection.hooks).toEqual(
      LAYERS.map((layer) => ({
        layer,
        resid_post: `/model/layers.${layer}/Add_1_output_0`,
        hf_hidden_states: layer < 5 ? `/model/layers.${layer}/Add_1_output_0` : '/model/norm/Mul_1_output_0',
        cotlab: `/model/layers.${layer}/post_feedforward_layernorm/Mul_1_output_0`,
      })),
    );
    const text = formatInspection(inspection);
    expect(text).toContain('  layer  resid_post                      hf_hidden_states                cotlab (post_feedforward_layernorm output)');
    expect(text).toContain('  5      /model/layers.5/Add_1_output_0  /model/norm/Mul_1_output_0      /model/layers.5/post_feedforward_layernorm/Mul_1_output_0');
    expect(text).toMatch(/resid_post +the residual stream after each decoder layer, raw for every layer .*TransformerLens blocks\.N\.hook_resid_post\); Hugging Face hidden_states\[N\+1\] for every layer but the last/);
    expect(text).toMatch(/hf_hidden_states +exactly Hugging Face’s output_hidden_states\[N\+1\]: the residual stream after layers 0 to 4, and for the last layer \(5\) the final norm’s output .*\(TransformerLens ln_final\.hook_normalized\)/);
    expect(text).toContain('Final norm         /model/norm/* (12 nodes); scale 1 + model.norm.weight; output /model/norm/Mul_1_output_0');
    expect(text).toMatch(/cotlab +CoTLab’s capture point: the output of post_feedforward_layernorm \(what CoTLab hooks for gemma3_text\), which CoTLab calls the residual stream but is a normalised branch/);
    expect(inspection.inputs[0]).toEqual({ name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] });
    expect(inspection.outputs[0]).toEqual({ name: 'logits', type: 'float', shape: ['batch_size', 'sequence_length', expect.any(Number)] });
  });

  it('explains a genai int4 export with external data, including the exposed final-norm output', () => {
    const inspection = inspectModel(build('genai', { layout: 'genai', int4: true, externalData: true }));
    expect(inspection).toMatchObject({
      genaiConfigFile: 'genai_config.json',
      exportStyle: 'genai',
      dtype: 'float32',
      quantization: { kind: 'int4', bits: 4, blockSize: 32 },
      externalDataFiles: ['model.onnx.data'],
      exposedOutputs: [{ node: '/model/layers.6/final_norm_layernorm/SkipLayerNorm', outputIndex: 3 }],
    });
    expect(inspection.quantization.description).toBe('int4 MatMulNBits (block 32, 42 matmuls)');
    expect(inspection.hooks.map((row) => row.resid_post)).toEqual([
      ...LAYERS.slice(1).map((layer) => `/model/layers.${layer}/input_layernorm/output_3`),
      '/model/layers.6/final_norm_layernorm/output_3',
    ]);
    expect(inspection.hooks.map((row) => row.cotlab)).toEqual(
      LAYERS.map((layer) => `/model/layers.${layer}/post_feedforward_layernorm/output_0`),
    );
    expect(inspection.hooks.map((row) => row.hf_hidden_states)).toEqual([
      ...LAYERS.slice(1, 6).map((layer) => `/model/layers.${layer}/input_layernorm/output_3`),
      '/model/layers.6/final_norm_layernorm/output_0',
    ]);
    const text = formatInspection(inspection);
    expect(text).toContain('Export style       genai: onnxruntime-genai model builder export');
    expect(text).toContain('Quantization       int4 MatMulNBits (block 32, 42 matmuls)');
    expect(text).toContain('Final norm         /model/layers.6/final_norm_layernorm/SkipLayerNorm; scale model.norm.weight; output /model/layers.6/final_norm_layernorm/output_0');
    expect(text).toContain('(the capture adds output 3 "/model/layers.6/final_norm_layernorm/output_3" to node /model/layers.6/final_norm_layernorm/SkipLayerNorm)');
  });

  it('explains a split transformers.js export and a float16 one', () => {
    const split = inspectModel(build('split', { splitEmbeddings: true, externalData: true }));
    expect(split).toMatchObject({
      graphFile: 'onnx/decoder_model_merged.onnx',
      embeddingFile: 'onnx/embed_tokens.onnx',
      exportStyle: 'optimum',
      externalDataFiles: ['onnx/decoder_model_merged.onnx_data'],
    });
    expect(split.inputs[0]).toEqual({ name: 'inputs_embeds', type: 'float', shape: ['batch_size', 'sequence_length', 64] });
    const fp16 = inspectModel(build('fp16', { dtype: 'float16', int4: false }));
    expect(fp16).toMatchObject({ dtype: 'float16', quantization: { kind: 'float16', description: 'float16 weights' } });
  });

  it('names hook_map as the source when the model spec lists the tensors', () => {
    const inspection = inspectModel(build('optimum-for-map', {}), { resid_post: LAYERS.map((layer) => `/model/layers.${layer}/Add_output_0`) });
    expect(inspection.exportStyle).toBe('hook_map');
    expect(inspection.hooks[2]?.resid_post).toBe('/model/layers.2/Add_output_0');
    expect(inspection.problems).toEqual([]);
  });
});

describe('inspectModel problems', () => {
  const problemsOf = (name: string, edit: (dir: string) => void): string[] => {
    const dir = build(name, {});
    edit(dir);
    const inspection = inspectModel(dir);
    expect(formatInspection(inspection)).toContain(`Problems:\n  ${inspection.problems[0]}`);
    return inspection.problems;
  };

  it('reports a tokenizer.json that is not JSON, naming the file and where it breaks', () => {
    let file = '';
    const problems = problemsOf('corrupt-tokenizer', (dir) => {
      file = path.join(dir, 'tokenizer.json');
      writeFileSync(file, readFileSync(file, 'utf8').slice(0, 200));
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^tokenizer: ${escape(file)} is not valid JSON \\(line \\d+, column \\d+: .+\\)\\.?$`));
  });

  it('reports a tokenizer.json without its model, naming the field', () => {
    let file = '';
    const problems = problemsOf('tokenizer-without-model', (dir) => {
      file = path.join(dir, 'tokenizer.json');
      const { model: _model, ...rest } = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify(rest));
    });
    expect(problems).toEqual([`tokenizer: ${file}: field "model" is missing or invalid (it must be a Hugging Face tokenizer.json).`]);
  });

  it('reports a hidden_size in config.json that contradicts the graph, naming the file, the field and the graph tensor', () => {
    let file = '';
    const problems = problemsOf('wrong-hidden-size', (dir) => {
      file = path.join(dir, 'config.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), hidden_size: 128 }));
    });
    expect(problems).toEqual([
      `config.json: ${file}: field "hidden_size" is 128, but the graph's residual stream is 64 wide (the final norm weight model.norm.weight has 64 values).`,
    ]);
  });

  it('names the graph file and its folder when the graph has no recognisable decoder layers', () => {
    let graphFile = '';
    const problems = problemsOf('no-layers', (dir) => {
      graphFile = path.join(dir, 'model.onnx');
      writeModel(singleAddModel(), graphFile);
    });
    expect(problems[0]).toMatch(new RegExp(`^resid_post: Cannot locate the resid_post tensors of the decoder layers in ${escape(graphFile)} \\(`));
    expect(problems.every((problem) => problem.includes(graphFile))).toBe(true);
  });
});

describe('inspect command', () => {
  it('prints JSON with --json and the table without', async () => {
    const dir = build('cli', { layout: 'genai' });
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const program = new Command().exitOverride();
      registerInspectCommand(program);
      await program.parseAsync(['node', 'cotlab-wb', 'inspect', '--model', dir, '--json']);
      await program.parseAsync(['node', 'cotlab-wb', 'inspect', '--model', dir]);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(written[0]!)).toMatchObject({ exportStyle: 'genai', numLayers: 6 });
    expect(written[1]).toMatch(/^Model folder {7}/);
    expect(written[1]).toContain('  layer  resid_post');
  });
});
