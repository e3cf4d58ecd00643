import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRequest, ProgressEvent, ResultSet } from '../../src/contract/index.js';
import { ResultSetSchema } from '../../src/contract/index.js';
import { loadDataset } from '../../src/datasets/load-dataset.js';
import { createEngineService, type EngineService } from '../../src/services/engine-service.js';
import { runExperimentJob } from '../../src/services/experiment-job.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { newExperiment, newRun, sampleToRecord } from '../fixtures/store/sample-data.js';
import { repoRoot } from '../helpers/cli.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let work: TempDir;
let service: EngineService;

/** Histopathology under its own prompt, 3 samples, with the given output format. */
function request(outputFormat: 'json' | 'plain'): ExperimentRequest {
  const variant = (name: string) => ({
    name,
    dataset: { kind: 'bundled' as const, name },
    prompt: { name, options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat } },
    numSamples: 3,
    seed: 42,
  });
  return { modelDir: null, variants: [variant('histopathology'), variant('radiology')], layers: null, pooling: 'mean', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null };
}

async function run(job: ExperimentRequest): Promise<string> {
  const events: ProgressEvent[] = [];
  const options = scratchEngineOptions(work.dir, 'test');
  await runExperimentJob('run', { kind: 'start', request: job }, options, createPathPolicy(options.paths, [options.uploadDir]), new AbortController().signal, {
    accepted: () => undefined,
    progress: (event) => events.push(event),
  });
  const last = events.at(-1);
  expect(last?.state, last?.message ?? '').toBe('completed');
  return last?.experimentId as string;
}

// Experiments 1 and 2 differ only in the output format of their prompts.
beforeAll(async () => {
  work = makeTempDir('services-results');
  await run(request('json'));
  await run(request('plain'));
  const options = scratchEngineOptions(work.dir, 'test');
  service = createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]));
});

afterAll(() => {
  service?.close();
  work?.remove();
});

const picked = [
  { experimentId: '1', runName: 'histopathology' },
  { experimentId: '2', runName: 'histopathology' },
];

describe('runs identify themselves', () => {
  it('lists each run with its settings, naming what tells it from runs of the same name', async () => {
    const page = await service.listExperiments({ search: '', status: null, limit: 100, offset: 0 });
    const [second, first] = page.items;
    expect(first?.runs.map((run) => run.label)).toEqual(['histopathology (output format json)', 'radiology (output format json)']);
    expect(second?.runs.map((run) => run.label)).toEqual(['histopathology (output format plain)', 'radiology (output format plain)']);
    expect(first?.runs[0]?.settings.find((entry) => entry.key === 'datasetFile')?.value).toBe('histopathology.tsv');
    expect(first?.pairs[0]).toMatchObject({ runA: 'histopathology', runB: 'radiology', testedLayers: 6 });
    expect(first?.pairs[0]?.lowestCosine?.layer).toEqual(expect.any(Number));
    expect(page.statusCounts).toEqual([{ status: 'completed', count: 2 }]);
    // Search reaches prompt options and dataset files.
    expect((await service.listExperiments({ search: '"plain"', status: null, limit: 100, offset: 0 })).items.map((item) => item.id)).toEqual(['2']);
  });

  it('compares runs of two experiments with a config diff of exactly the output format', async () => {
    const result = await service.compareRuns({ runs: picked });
    ResultSetSchema.parse(result);
    expect(result.differingSettings).toEqual(['outputFormat']);
    expect(result.runs.map((run) => run.label)).toEqual(['1:histopathology (output format json)', '2:histopathology (output format plain)']);
    expect(result.runs.map((run) => run.differences)).toEqual([
      [{ key: 'outputFormat', label: 'output format', value: 'json' }],
      [{ key: 'outputFormat', label: 'output format', value: 'plain' }],
    ]);
    expect(result.comparisons[0]?.runA).toBe('1:histopathology (output format json)');
    expect(result.comparisons[0]?.layers[0]?.l2NoiseFloor).toEqual(expect.any(Number));
  });

  it('exports the comparison like an experiment: Markdown, CSV and HTML name the difference', async () => {
    const md = await service.exportComparison({ runs: picked, format: 'markdown' });
    expect(md.fileName).toBe('comparison-1-histopathology_2-histopathology.md');
    expect(md.content).toContain('What tells the runs apart: output format.');
    expect(md.content).toContain('| **output format** | **json** | **plain** |');
    expect(md.content).toContain('### 1:histopathology (output format json) vs 2:histopathology (output format plain)');
    const csv = (await service.exportComparison({ runs: picked, format: 'csv' })).content.split('\r\n');
    expect(csv[1]).toMatch(/^1:histopathology \(output format json\) vs 2:histopathology \(output format plain\),.*,output format json,output format plain,0,/);
    const html = (await service.exportComparison({ runs: picked, format: 'html' })).content;
    expect(html).toContain('<tr class="marked"><th scope="row">output format</th><td>json</td><td>plain</td></tr>');
  });

  it('stores the noise floor and held-out effect size of every compared layer', async () => {
    const result = await service.getExperiment({ id: '1' });
    expect(result.comparisons[0]?.layers.every((layer) => layer.l2NoiseFloor !== null && layer.cohensDHeldOut !== null)).toBe(true);
    expect(result.differingSettings).toEqual(['dataset', 'datasetFile', 'prompt', 'promptStrategy']);
  });
});

describe('the samples behind the points', () => {
  it("gives a stored sample's text and label from its dataset file, and the text the model was fed", async () => {
    const sample = await service.storedSample({ run: { experimentId: '1', runName: 'radiology' }, position: 1 });
    const dataset = await loadDataset({ name: 'radiology', format: 'radiology', path: 'data/radiology.json', text_column: null, label_column: null, metadata_columns: [], delimiter: null }, repoRoot);
    const expected = dataset.samples[sample.datasetIndex];
    expect(sample.text).toBe(expected?.text);
    expect(sample.label).toEqual(expected?.label);
    expect(sample.fedText).toContain(expected?.text ?? '');
    expect(sample.warning).toBeNull();
    await expect(service.storedSample({ run: { experimentId: '1', runName: 'radiology' }, position: 9 })).rejects.toThrow(/the run stored 3 samples/);
  });

  it('adds projections, effect sizes and the per-label breakdown to a layer', async () => {
    const detail = await service.layerDetail({ runA: picked[0] as never, runB: picked[1] as never, layer: 2 });
    expect(detail.points).toHaveLength(6);
    expect(detail.points.map((point) => [point.run, point.position])).toEqual([['a', 0], ['a', 1], ['a', 2], ['b', 0], ['b', 1], ['b', 2]]);
    expect(detail.points.every((point) => Number.isFinite(point.projection))).toBe(true);
    expect(detail.labelGroups.reduce((sum, group) => sum + group.count, 0)).toBe(6);
    expect(detail.cohensDHeldOut).toEqual(expect.any(Number));
    expect(detail.directionNorm).toBeGreaterThan(0);
  });
});

describe('notes and tags', () => {
  it('stores them through the service, and the exports show them', async () => {
    expect(await service.annotateExperiment({ id: '1', notes: 'JSON output, baseline.', addTags: ['baseline'], removeTags: [] })).toEqual({
      notes: 'JSON output, baseline.',
      tags: ['baseline'],
    });
    expect((await service.exportReport({ experimentId: '1', format: 'markdown' })).content).toContain('## Notes\n\n**Tags:** `baseline`\n\nJSON output, baseline.\n');
    expect((await service.listExperiments({ search: 'baseline', status: null, limit: 100, offset: 0 })).items.map((item) => item.id)).toEqual(['1']);
  });
});

describe('the .npy export as one download', () => {
  it('packs the vectors and their indexes into a tar read back in chunks', async () => {
    const archive = await service.exportVectorsArchive({ experimentId: '1' });
    expect(archive).toMatchObject({ fileName: 'experiment-1-vectors.tar', mimeType: 'application/x-tar' });
    const parts: Buffer[] = [];
    for (let offset = 0, done = false; !done; ) {
      const chunk = await service.readExportChunk({ experimentId: '1', fileName: archive.fileName, offset, length: 4096 });
      const bytes = Buffer.from(chunk.base64, 'base64');
      parts.push(bytes);
      offset += bytes.length;
      done = chunk.done;
    }
    const tar = Buffer.concat(parts);
    expect(tar.length).toBe(archive.bytes);
    const file = work.path('download.tar');
    writeFileSync(file, tar);
    const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listed[0]).toBe('experiment-1-vectors/index.json');
    expect(listed).toContain('experiment-1-vectors/directions.json');
    // 2 runs × 6 layers of sample vectors and one direction file.
    expect(listed.filter((name) => name.endsWith('.npy'))).toHaveLength(13);
    await expect(service.readExportChunk({ experimentId: '1', fileName: '../../history.sqlite', offset: 0, length: 10 })).rejects.toThrow(/is not an export of experiment 1/);
  });
});

describe('a running experiment, followed live', () => {
  it('shows the norms of the samples stored so far and compares the runs on them, a little more each look', async () => {
    const store = openHistoryStore(work.path('history.sqlite'));
    try {
      const id = store.createExperiment(newExperiment());
      const runA = store.createRun(id, newRun({ numSamplesPlanned: 3 }));
      const runB = store.createRun(id, newRun({ name: 'radiology', datasetName: 'radiology', numSamplesPlanned: 3 }));
      store.recordSample(runA, sampleToRecord(0, [0, 1, 2]));
      let result: ResultSet = await service.getExperiment({ id: String(id) });
      expect(result.live).toBe(true);
      expect(result.runs.map((run) => [run.status, run.samplesDone, run.samplesPlanned, run.partial])).toEqual([
        ['running', 1, 3, true],
        ['running', 0, 3, true],
      ]);
      expect(result.runs[0]?.layerIndices).toEqual([0, 1, 2]);
      expect(result.comparisons).toEqual([]);

      store.recordSample(runA, sampleToRecord(1, [0, 1, 2]));
      store.recordSample(runB, sampleToRecord(2, [0, 1, 2]));
      result = await service.getExperiment({ id: String(id) });
      // Layer 0, sample vectors p + i/1000: mean of samples 0 and 1 is 0.5 + i/1000.
      const expectedNorm = Math.hypot(...Array.from({ length: 8 }, (_, i) => 0.5 + i / 1000));
      expect(result.runs[0]?.meanActivationNorms[0]).toBeCloseTo(expectedNorm, 5);
      expect(result.comparisons).toHaveLength(1);
      expect(result.comparisons[0]).toMatchObject({ partial: true, analysis: null });
      const l2 = Math.hypot(...Array.from({ length: 8 }, () => 1.5));
      expect(result.comparisons[0]?.layers[0]?.l2).toBeCloseTo(l2, 5);
    } finally {
      store.close();
    }
  });
});
