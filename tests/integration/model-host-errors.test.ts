import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cudaProviderInstalled } from '../../src/model/cuda-provider.js';
import { buildDemoModel, weightNames } from '../../scripts/demo-model/index.js';
import { ModelError } from '../../src/model/errors.js';
import { openModelHost, type ModelHostOptions } from '../../src/model/model-host.js';
import { float32Tensor } from '../../scripts/demo-model/onnx-tensors.js';
import { readModel, readInitializerFloat32, writeModel } from '../helpers/onnx-files.js';
import { cpuHostOptions } from '../helpers/host-options.js';
import { singleAddModel } from '../helpers/single-add-model.js';

let scratch: string;
let demoDir: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-host-errors-'));
  demoDir = path.join(scratch, 'demo');
  buildDemoModel(demoDir);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function options(modelDir: string, overrides: Partial<ModelHostOptions> = {}): ModelHostOptions {
  return cpuHostOptions(modelDir, scratch, overrides);
}

/** A copy of the demo model folder without `file`. */
function demoCopyWithout(name: string, file: string): string {
  const dir = path.join(scratch, name);
  cpSync(demoDir, dir, { recursive: true });
  rmSync(path.join(dir, file));
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<ModelError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    return err as ModelError;
  }
  throw new Error('expected a ModelError');
}

describe('openModelHost rejects unusable model folders', () => {
  it('without model.onnx', async () => {
    const dir = demoCopyWithout('no-graph', 'model.onnx');
    const err = await rejection(openModelHost(options(dir)));
    expect(err.message).toBe(`Model directory ${dir} is missing model.onnx.`);
    expect(err.context.dir).toBe(dir);
  });

  it('without tokenizer.json', async () => {
    const dir = demoCopyWithout('no-tokenizer', 'tokenizer.json');
    expect((await rejection(openModelHost(options(dir)))).message).toBe(`Model directory ${dir} is missing tokenizer.json.`);
  });

  it('whose external weights file is missing', async () => {
    const dir = path.join(scratch, 'external-missing');
    buildDemoModel(dir, { externalData: true });
    rmSync(path.join(dir, 'model.onnx.data'));
    expect((await rejection(openModelHost(options(dir)))).message).toMatch(/keeps its weights in model\.onnx\.data, which is not in/);
  });

  it('whose graph has no recognizable decoder layers, naming the graph file and describing what the graph holds', async () => {
    const dir = demoCopyWithout('single-add', 'model.onnx');
    writeModel(singleAddModel(), path.join(dir, 'model.onnx'));
    const err = await rejection(openModelHost(options(dir)));
    expect(err.message).toContain(`Cannot locate the resid_post tensors of the decoder layers in ${path.join(dir, 'model.onnx')} (`);
    expect(err.message).toContain('1 nodes; top-level scopes: (unscoped); first nodes: /Add; inputs: x, y; outputs: sum');
    expect(err.context).toMatchObject({ dir, file: path.join(dir, 'model.onnx') });
  });

  it('whose config.json states a hidden_size the graph contradicts', async () => {
    const dir = path.join(scratch, 'wrong-hidden-size');
    cpSync(demoDir, dir, { recursive: true });
    const configPath = path.join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), hidden_size: 128 }));
    const err = await rejection(openModelHost(options(dir)));
    expect(err.message).toBe(
      `${configPath}: field "hidden_size" is 128, but the graph's residual stream is 64 wide (the final norm weight model.norm.weight has 64 values).`,
    );
    expect(err.context).toMatchObject({ file: configPath, field: 'hidden_size' });
  });

  it('asked for a layer the model does not have', async () => {
    const err = await rejection(openModelHost(options(demoDir, { layers: [0, 6] })));
    expect(err.message).toBe('Layer 6 does not exist: this model has layers 0 to 5.');
    expect(err.context).toMatchObject({ field: 'layers', layer: 6 });
  });
});

describe('execution provider', () => {
  it('falls back to CPU with a note when CUDA is requested but cannot start', async () => {
    const host = await openModelHost(options(demoDir, { device: 'cuda' }));
    await host.dispose();
    if (host.info.executionProvider === 'cuda') {
      expect(host.info.executionProviderNote).toBeNull();
    } else {
      expect(host.info.executionProvider).toBe('cpu');
      expect(host.info.executionProviderNote).toMatch(/^CUDA was requested but could not start \(.+\); running on CPU instead\.$/);
    }
  });

  it('with device auto, skips a CUDA attempt that cannot work and says why', async () => {
    const host = await openModelHost(options(demoDir, { device: 'auto' }));
    await host.dispose();
    if (cudaProviderInstalled()) {
      expect(['cuda', 'cpu']).toContain(host.info.executionProvider);
    } else {
      expect(host.info.executionProvider).toBe('cpu');
      expect(host.info.executionProviderNote).toMatch(/CUDA provider files are not installed .*npm run install-cuda.*running on CPU/);
    }
  });

  it('records no note when CPU is asked for', async () => {
    const host = await openModelHost(options(demoDir));
    await host.dispose();
    expect(host.info).toMatchObject({ executionProvider: 'cpu', executionProviderNote: null });
  });
});

describe('numerics', () => {
  it('refuses to return non-finite activations and names the first bad layer', async () => {
    const dir = path.join(scratch, 'overflow');
    cpSync(demoDir, dir, { recursive: true });
    const model = readModel(path.join(dir, 'model.onnx'));
    const embedding = readInitializerFloat32(model, weightNames.embedTokens);
    const graph = model.graph!;
    const at = graph.initializer.findIndex((tensor) => tensor.name === weightNames.embedTokens);
    // Embedding rows times 1e38, then Gemma's sqrt(hidden) scale, exceed float32's range: inf from layer 0 on.
    graph.initializer[at] = float32Tensor(
      weightNames.embedTokens,
      graph.initializer[at]!.dims.map(Number),
      embedding.map((value) => value * 1e38),
    );
    writeModel(model, path.join(dir, 'model.onnx'));
    const host = await openModelHost(options(dir, { layers: [2, 0] }));
    const err = await rejection(host.capture('Radiology: no fracture seen.', { maxInputTokens: null }));
    await host.dispose();
    expect(err.context.layer).toBe(2);
    expect(err.message).toMatch(/^Layer 2 produced a non-finite activation .* use an export that keeps activations in float32/);
  });
});
