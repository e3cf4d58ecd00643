import { describe, expect, it } from 'vitest';
import { API_METHODS, apiContract, HookPointSchema, isApiMethod, RUN_METHODS, SERVICE_METHODS } from '../../src/contract/index.js';
import { createDispatcher } from '../../src/host/dispatch.js';
import { EngineRequestError, type EngineCalls } from '../../src/services/engine-calls.js';

/** An engine whose every call records its (validated) request and answers listPrompts/deleteExperiment. */
function recordingEngine(seen: unknown[]): EngineCalls {
  return new Proxy({} as EngineCalls, {
    get: (_target, method: string) => async (request: unknown) => {
      seen.push({ method, request });
      if (method === 'deleteExperiment') throw new EngineRequestError('no experiment "9"', 'not_found');
      if (method === 'listPrompts') return { prompts: [{ name: 'radiology', description: null, defaults: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' }, outputFormats: ['json'] }] };
      return { wrong: true };
    },
  });
}

describe('the API contract', () => {
  it('names every call once and knows its own methods', () => {
    expect(new Set(API_METHODS).size).toBe(API_METHODS.length);
    expect(isApiMethod('startExperiment')).toBe(true);
    expect(isApiMethod('toString')).toBe(false);
  });

  it('offers every capture point the engine has', () => {
    expect(HookPointSchema.options).toEqual(['resid_post', 'hf_hidden_states', 'cotlab']);
  });

  it('fills defaults of history queries', () => {
    expect(apiContract.listExperiments.request.parse({})).toEqual({ search: '', status: null, limit: 100, offset: 0 });
  });

  it('rejects duplicate variant names and bad layer lists', () => {
    const variant = {
      name: 'a',
      dataset: { kind: 'bundled', name: 'radiology' },
      prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
      numSamples: 4,
      seed: 42,
    };
    const result = apiContract.startExperiment.request.safeParse({
      modelDir: null,
      variants: [variant, variant],
      layers: [-1],
      pooling: 'mean',
      comparisonMode: 'pairwise',
      hook: 'resid_post',
      maxInputTokens: null,
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(['variants', 'layers.0']);
  });
});

describe('seeds in the contract', () => {
  const variant = (seed: unknown) => ({
    name: 'a',
    dataset: { kind: 'bundled', name: 'radiology' },
    prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
    numSamples: 4,
    seed,
  });
  const seedIssues = (seed: unknown) =>
    apiContract.startExperiment.request
      .safeParse({ modelDir: null, variants: [variant(seed)], layers: null, pooling: 'mean', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null })
      .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

  it('accepts every safe integer as a variant seed, negative and beyond 32 bits included', () => {
    for (const seed of [0, -5, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) expect(seedIssues(seed)).toEqual([]);
  });

  it('refuses larger and fractional seeds with one message that says where larger seeds go', () => {
    const message =
      'variants.0.seed: must be a whole number from -9007199254740991 to 9007199254740991; set larger seeds with experiment.seed in a config or on the command line';
    expect(seedIssues(2 ** 53)).toEqual([message]);
    expect(seedIssues(1.5)).toEqual([message]);
  });
});

describe('the dispatcher', () => {
  it('never calls the engine with an invalid payload and says which field is wrong', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(recordingEngine(seen));
    const outcome = await dispatch('cancelExperiment', { runId: 7 });
    expect(outcome).toEqual({
      ok: false,
      error: {
        code: 'bad_request',
        message: 'The cancelExperiment request is invalid: runId: Invalid input: expected string, received number',
        details: ['runId: Invalid input: expected string, received number'],
      },
    });
    expect(seen).toEqual([]);
  });

  it('refuses unknown methods', async () => {
    const outcome = await createDispatcher(recordingEngine([]))('__proto__', {});
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.code).toBe('unknown_method');
  });

  it('passes a valid request through and checks the answer against the contract', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(recordingEngine(seen));
    const prompts = await dispatch('listPrompts', {});
    expect(prompts.ok).toBe(true);
    const malformed = await dispatch('listDatasets', {});
    expect(!malformed.ok && malformed.error.code).toBe('engine_error');
    expect(!malformed.ok && malformed.error.details).toContain('datasets: Invalid input: expected array, received undefined');
    expect(seen).toEqual([
      { method: 'listPrompts', request: {} },
      { method: 'listDatasets', request: {} },
    ]);
  });

  it('keeps the code of an engine request error', async () => {
    const outcome = await createDispatcher(recordingEngine([]))('deleteExperiment', { id: '9' });
    expect(outcome).toEqual({ ok: false, error: { code: 'not_found', message: 'no experiment "9"', details: [] } });
  });

  it('serves only the calls it has handlers for (the engine service process has no run calls)', async () => {
    const dispatch = createDispatcher({ listPrompts: async () => ({ prompts: [] }) });
    expect(await dispatch('listPrompts', {})).toEqual({ ok: true, data: { prompts: [] } });
    const outcome = await dispatch('startExperiment', {});
    expect(!outcome.ok && outcome.error.code).toBe('unknown_method');
  });
});

describe('the split between run calls and service calls', () => {
  it('puts every call on exactly one side', () => {
    expect([...RUN_METHODS, ...SERVICE_METHODS].sort()).toEqual([...API_METHODS].sort());
    expect(SERVICE_METHODS).not.toContain('startExperiment');
    expect(SERVICE_METHODS).toContain('layerDetail');
  });
});
