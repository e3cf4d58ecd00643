import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelHost } from '../../src/model/model-host.js';
import { createEngineService, type EngineService } from '../../src/services/engine-service.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { spawnCli } from '../fixtures/cli-history/cli.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { cpuHostOptions } from '../helpers/host-options.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const DEMO = path.resolve('resources/demo-model');
const SAMPLES = 3;

let work: TempDir;
let service: EngineService;

beforeAll(() => {
  work = makeTempDir('cli-answers-lens');
});
afterAll(() => {
  service?.close();
  work.remove();
});

interface LensResults {
  experiment: string;
  samples: { run: string; sample_idx: number; gold_token_id: number; layers: { layer: number; top: { token_id: number; prob: number }[]; gold_rank: number; gold_prob: number }[] }[];
  raw_outputs: [{ runs: { name: string; lens: { layers: { layer: number; gold_top1_rate: number }[] } }[] }];
}

describe('cotlab-wb run experiment=logit_lens', () => {
  it("reads every layer's prediction; the last layer's top-1 is the model's greedy next token; stored, exported and shown", async () => {
    const dbPath = work.path('lens.sqlite');
    const out = work.path('lens');
    const run = await spawnCli(['run', 'experiment=logit_lens', `experiment.num_samples=${SAMPLES}`, 'experiment.top_k=4', '--out', out, '--db', dbPath, '--no-progress']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/radiology: last layer \(5\) gold token top-1 in \d+\.\d% of 3 samples/);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as LensResults;
    expect(results.experiment).toBe('logit_lens');
    expect(results.samples).toHaveLength(2 * SAMPLES);
    const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as { experiment: { answer_cue: string } };
    // The greedy next token of the model on the prompts the history kept, by generation.
    const db = new Database(dbPath, { readonly: true });
    const prompts = db
      .prepare('SELECT t.prompt FROM samples s JOIN runs r ON r.id = s.run_id JOIN sample_texts t ON t.sample_id = s.id ORDER BY r.run_index, s.position')
      .all() as { prompt: string }[];
    db.close();
    const host = await openModelHost(cpuHostOptions(DEMO, work.dir, { layers: [], generation: true }));
    const greedy = await host.generate(prompts.map(({ prompt }) => ({ text: prompt })), { maxInputTokens: null, maxNewTokens: 1, sampling: null, stopStrings: [] });
    await host.dispose();
    expect(results.samples.map((sample) => sample.layers.at(-1)?.top[0]?.token_id)).toEqual(greedy.map((result) => result.tokenIds[0]));
    for (const sample of results.samples) {
      expect(sample.layers.map((layer) => layer.layer)).toEqual([0, 1, 2, 3, 4, 5]);
      for (const layer of sample.layers) {
        expect(layer.top).toHaveLength(4);
        expect(layer.gold_rank).toBeGreaterThanOrEqual(1);
      }
    }
    expect(config.experiment.answer_cue).toBe('\n\nFINAL ANSWER:');

    const md = await spawnCli(['export', '1', '--format', 'md', '--db', dbPath]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('| Layer | Mean gold probability | Median gold rank | Gold is top-1 |');

    const options = { ...scratchEngineOptions(work.dir, 'test'), dbPath };
    service = createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]));
    const view = await service.logitLens({ ref: { experimentId: '1', runName: 'radiology' }, position: 0, topK: 4 });
    const stored = results.samples.find((sample) => sample.run === 'radiology');
    expect(view).toMatchObject({ source: 'recorded', position: 0, datasetIndex: stored?.sample_idx, goldToken: { tokenId: stored?.gold_token_id } });
    expect(view.cells.map((cell) => cell.top[0]?.tokenId)).toEqual(stored?.layers.map((layer) => layer.top[0]?.token_id));
    expect(view.summary).toHaveLength(6);
    const summary = await service.listExperiments({ search: '', status: null, limit: 10, offset: 0 });
    expect(summary.items[0]).toMatchObject({ experimentType: 'logit_lens', hasAnswers: false });
    service.close();
  });
});

describe('activation_compare with experiment.record_answers=true', () => {
  it('records each answer with its vectors, scores them and splits activations by correctness; the UI reads them', async () => {
    const dbPath = work.path('answers.sqlite');
    const out = work.path('answers');
    const cue = '\n{"pathological_fracture": true}\n';
    const run = await spawnCli([
      'run',
      'experiment.record_answers=true',
      'experiment.num_samples=6',
      'experiment.pooling=last_token',
      'experiment.generation.max_new_tokens=3',
      `experiment.answer_cue=${JSON.stringify(cue)}`,
      '--out',
      out,
      '--db',
      dbPath,
      '--no-progress',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/histopathology vs radiology: mean cosine/);
    expect(run.stderr).toMatch(/radiology: accuracy \d+\.\d% \[/);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      answers: { classification: { variants: { run: string; scored: number }[] }; split_by_correctness: { run: string; correct: number; incorrect: number; layers: unknown[]; not_analysed: string | null }[] };
    };
    expect(results.answers.classification.variants.map((variant) => [variant.run, variant.scored])).toEqual([
      ['histopathology', 0],
      ['radiology', 6],
    ]);
    const split = results.answers.split_by_correctness.find((entry) => entry.run === 'radiology')!;
    expect(split.correct + split.incorrect).toBe(6);
    if (split.not_analysed === null) expect(split.layers).toHaveLength(6);
    expect(readFileSync(path.join(out, 'EXPERIMENT.md'), 'utf8')).toContain('### Activations of correct vs incorrect answers');

    const options = { ...scratchEngineOptions(work.dir, 'test'), dbPath };
    service = createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]));
    const page = await service.answers({ ref: { experimentId: '1', runName: 'radiology' }, filter: 'all', offset: 0, limit: 2 });
    expect(page.counts.all).toBe(6);
    expect(page.counts.correct + page.counts.incorrect).toBe(6);
    expect(page.rows).toHaveLength(2);
    expect(page.rows[0]).toMatchObject({ runName: 'radiology', parseStatus: 'parsed', predicted: 'true', parsedValue: true });
    expect(page.rows[0]?.prompt?.endsWith(cue)).toBe(true);
    const failures = await service.answers({ ref: { experimentId: '1', runName: 'histopathology' }, filter: 'parse_failure', offset: 0, limit: 100 });
    expect(failures.total).toBe(6);
    const findings = await service.answerFindings({ experimentId: '1' });
    expect(findings.variants[1]).toMatchObject({ runName: 'radiology', scored: 6 });
    expect(findings.splits?.map((entry) => entry.runName)).toEqual(['histopathology', 'radiology']);
    // The lens of a stored activation run, computed from its last-token vectors (no forward pass).
    const lens = await service.logitLens({ ref: { experimentId: '1', runName: 'radiology' }, position: 0, topK: 3 });
    expect(lens).toMatchObject({ source: 'computed', summary: null });
    expect(lens.cells).toHaveLength(6);
    const listed = await service.listExperiments({ search: '', status: null, limit: 10, offset: 0 });
    expect(listed.items[0]).toMatchObject({ experimentType: 'activation_compare', hasAnswers: true });
    service.close();
  });
});
