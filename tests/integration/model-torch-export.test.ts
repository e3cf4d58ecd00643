import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inspectModel } from '../../src/model/inspect.js';
import { readModelConfig } from '../../src/model/model-dir.js';
import { openModelHost } from '../../src/model/model-host.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import type { HookPoint, Pooling } from '../../src/results/capture-points.js';
import { cpuHostOptions } from '../helpers/host-options.js';
import { relativeError } from '../helpers/relative-error.js';

/**
 * Decoders exported by torch.onnx itself (scripts/fixtures/export-torch-decoders.py, Debian's python3-torch), with
 * what PyTorch forward hooks saw at both capture points. Nothing here needs Python.
 */
const ROOT = path.resolve('tests/fixtures/model/torch-export');
const FIXTURES = [
  { name: 'llama', cotlabModule: 'post_attention_layernorm', withCache: false },
  { name: 'llama-kv', cotlabModule: 'post_attention_layernorm', withCache: true },
  { name: 'gemma3', cotlabModule: 'post_feedforward_layernorm', withCache: false },
  { name: 'gemma3-kv', cotlabModule: 'post_feedforward_layernorm', withCache: true },
];
const HOOKS = ['resid_post', 'cotlab'] as const satisfies readonly HookPoint[];
const POOLINGS: readonly Pooling[] = ['mean', 'last_token'];
const TOLERANCE = 1e-4;

const PooledSchema = z.object({ mean: z.array(z.array(z.number())), last_token: z.array(z.array(z.number())) });
const ReferenceSchema = z.object({
  torch: z.string(),
  cotlab_module: z.string(),
  prompts: z
    .array(
      z.object({
        text: z.string(),
        ids: z.array(z.number().int()),
        hooks: z.object({ resid_post: PooledSchema, cotlab: PooledSchema }),
        last_token_logits: z.array(z.number()),
      }),
    )
    .min(1),
});
type Reference = z.infer<typeof ReferenceSchema>;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-torch-export-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(FIXTURES)('torch.onnx export $name', ({ name, cotlabModule, withCache }) => {
  const dir = path.join(ROOT, name);
  const reference: Reference = ReferenceSchema.parse(JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')));
  const config = readModelConfig(path.join(dir, 'config.json'));
  const texts = reference.prompts.map((prompt) => prompt.text);
  const hostOptions = (hook: HookPoint, pooling: Pooling, batchSize = 1) =>
    cpuHostOptions(dir, path.join(scratch, name), { hook, pooling, batchSize });

  it('is recognised by inspect as an optimum/torch.onnx export, hooks in the module-path scopes', () => {
    const inspection = inspectModel(dir);
    expect(inspection).toMatchObject({ exportStyle: 'optimum', numLayers: config.numLayers, problems: [], exposedOutputs: [] });
    expect(reference.cotlab_module).toBe(cotlabModule);
    inspection.hooks.forEach(({ layer, resid_post: residPost, cotlab }) => {
      expect(residPost).toMatch(new RegExp(`^/model/layers\\.${layer}/Add(_\\d+)?_output_0$`));
      expect(cotlab).toMatch(new RegExp(`^/model/layers\\.${layer}/${cotlabModule}/[A-Za-z]+(_\\d+)?_output_0$`));
    });
    const inputs = inspection.inputs.map((input) => input.name);
    const outputs = inspection.outputs.map((output) => output.name);
    const layers = Array.from({ length: config.numLayers }, (_, layer) => layer);
    const cacheNames = (prefix: string) => (withCache ? layers.flatMap((layer) => [`${prefix}.${layer}.key`, `${prefix}.${layer}.value`]) : []);
    expect(inputs).toEqual(['input_ids', 'attention_mask', 'position_ids', ...cacheNames('past_key_values')]);
    expect(outputs).toEqual(['logits', ...cacheNames('present')]);
  });

  it('tokenizes the prompts to the ids PyTorch was fed', async () => {
    const host = await openModelHost(hostOptions('resid_post', 'mean'));
    expect(texts.map((text) => host.tokenize(text))).toEqual(reference.prompts.map((prompt) => prompt.ids));
    await host.dispose();
  });

  for (const hook of HOOKS) {
    for (const pooling of POOLINGS) {
      it(`captures ${hook} with ${pooling} pooling as PyTorch forward hooks saw it`, async () => {
        const host = await openModelHost(hostOptions(hook, pooling));
        expect(host.info.exportStyle).toBe('optimum');
        for (const prompt of reference.prompts) {
          const { pooled, tokenCount } = await host.capture(prompt.text, { maxInputTokens: null });
          expect(tokenCount).toBe(prompt.ids.length);
          prompt.hooks[hook][pooling].forEach((expected, layer) => {
            expect(relativeError(pooled[layer]!, expected), `${prompt.text} layer ${layer}`).toBeLessThan(TOLERANCE);
          });
        }
        await host.dispose();
      });
    }
  }

  it('captures the same in one right-padded batch of all prompts', async () => {
    const host = await openModelHost(hostOptions('resid_post', 'mean', reference.prompts.length));
    const results = await host.captureBatch(texts, { maxInputTokens: null });
    await host.dispose();
    results.forEach(({ pooled }, at) => {
      reference.prompts[at]!.hooks.resid_post.mean.forEach((expected, layer) => {
        expect(relativeError(pooled[layer]!, expected), `prompt ${at} layer ${layer}`).toBeLessThan(TOLERANCE);
      });
    });
  });

  it('runs unedited to the logits PyTorch computed', async () => {
    const { session } = await openSession(readFileSync(path.join(dir, 'model.onnx')), { device: 'cpu', externalDataDir: dir });
    for (const prompt of reference.prompts) {
      const logits = (await session.run(prefillFeeds(session, [prompt.ids], config), ['logits']))['logits']!;
      const vocab = logits.dims[2] as number;
      expect(logits.dims).toEqual([1, prompt.ids.length, vocab]);
      const last = (logits.data as Float32Array).slice((prompt.ids.length - 1) * vocab);
      expect(relativeError(last, prompt.last_token_logits)).toBeLessThan(TOLERANCE);
    }
    await session.release();
  });
});
