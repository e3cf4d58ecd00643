import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiContract, type ExperimentRequest } from '../../src/contract/index.js';
import { shardDbPath } from '../../src/experiments/cluster-plan.js';
import { runShard } from '../../src/experiments/cluster-shard.js';
import { jobContextFor } from '../../src/services/engine-options.js';
import { createEngineService } from '../../src/services/engine-service.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const variant = (name: 'radiology' | 'histopathology'): ExperimentRequest['variants'][number] => ({
  name,
  dataset: { kind: 'bundled', name },
  prompt: { name, options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'plain' } },
  numSamples: 3,
  seed: 42,
});

const request: ExperimentRequest = {
  modelDir: null,
  variants: [variant('histopathology'), variant('radiology')],
  layers: null,
  pooling: 'mean',
  comparisonMode: 'pairwise',
  hook: 'resid_post',
  maxInputTokens: null,
};

describe('the app plans an experiment for a cluster and imports the merged result', () => {
  const scratch = makeTempDir('service-cluster');
  const options = scratchEngineOptions(scratch.dir, 'test');
  const service = createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]));
  const planDir = scratch.path('plan');
  afterAll(() => {
    service.close();
    scratch.remove();
  });

  async function computeShard(index: number): Promise<void> {
    const store = openHistoryStore(shardDbPath(planDir, index));
    try {
      await runShard(planDir, index, store, jobContextFor(options));
    } finally {
      store.close();
    }
  }

  it('writes the draft experiment as a plan and says how to submit it', async () => {
    const summary = apiContract.planForCluster.response.parse(
      await service.planForCluster(apiContract.planForCluster.request.parse({ experiment: request, shards: 3, dir: planDir })),
    );
    expect(summary).toMatchObject({ planDir, samples: 6, shardSizes: [2, 2, 2] });
    expect(summary.commands).toEqual([`cotlab-wb slurm ${planDir} --submit`, `cotlab-wb slurm ${planDir} --status`]);
  });

  it('refuses to merge while a shard is missing, naming it', async () => {
    await computeShard(0);
    await computeShard(2);
    await expect(service.importMergedPlan({ dir: planDir })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/shard 1 of 3 is missing \(no shard-001\.sqlite/),
    });
  });

  it('merges the computed shards into the history as one experiment the app can open', async () => {
    await computeShard(1);
    const merged = apiContract.importMergedPlan.response.parse(await service.importMergedPlan({ dir: planDir }));
    expect(merged.computedOn).toMatch(/^3 shards of cluster plan .* \(shard 0: 2 samples on .*\), merged on /);
    expect(path.dirname(merged.reportDir)).toContain(scratch.dir);
    const results = await service.getExperiment({ id: merged.experimentId });
    expect(results.experiment?.status).toBe('completed');
  });
});
