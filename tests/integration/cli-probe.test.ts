import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { parseJsonExact } from '../../src/config/exact-json.js';
import type { ProbeRecord } from '../../src/results/probe-record.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { cli, cliError } from '../fixtures/cli-history/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let work: TempDir;
let db: string;

// Experiment 1: every bundled sample (78 histopathology, 60 radiology), all vectors kept. 2: the same with run
// means only, which cannot be probed.
beforeAll(async () => {
  work = makeTempDir('cli-probe');
  db = work.path('history.sqlite');
  await cli(['run', 'experiment.num_samples=null', '--no-progress', '--out', work.path('all'), '--db', db]);
  await cli(['run', 'experiment.num_samples=4', '--no-progress', '--store-vectors', 'means', '--out', work.path('means'), '--db', db]);
}, 600_000);

afterAll(() => work.remove());

describe('probe', () => {
  it('probes every run of an experiment from its stored vectors and stores the probes with it', async () => {
    const { stdout } = await cli(['probe', '1', '--folds', '3', '--db', db]);
    expect(stdout).toContain('Run histopathology: the dataset label, 78 samples, classes 0 (37), 1 (14), 2 (17), 3 (5), 4 (5)');
    expect(stdout).toContain('Run radiology: the dataset label, 60 samples, classes false (30), true (30)');
    expect(stdout).toMatch(/Best layer \d; earliest within one standard error of it: layer \d\./);
    const store = openHistoryStore(db);
    try {
      const probes = store.getProbes(1);
      expect(probes.map((probe) => [probe.runName, probe.labelField, probe.record.layers.length, probe.record.settings.folds])).toEqual([
        ['histopathology', null, 6, 3],
        ['radiology', null, 6, 3],
      ]);
      for (const probe of probes) {
        for (const layer of probe.record.layers) {
          expect(layer.accuracy).toBeGreaterThanOrEqual(0);
          expect(layer.accuracy_ci[0]).toBeLessThanOrEqual(layer.accuracy);
          expect(layer.p_value_holm).toBeGreaterThanOrEqual(layer.p_value);
          expect(layer.unconverged_fits).toBe(0);
        }
      }
    } finally {
      store.close();
    }
  });

  it('probes a metadata field of one run instead of its label', async () => {
    const { stdout } = await cli(['probe', '1:histopathology', '--folds', '3', '--label-field', 'model_id', '--json', '--db', db]);
    const [record] = parseJsonExact(stdout) as ProbeRecord[];
    expect(record).toMatchObject({ run: 'histopathology', label_field: 'model_id', samples: 78, classes: ['0', '1', '2', '3'] });
  });

  it('puts the newest probe of each run and label in results.json, EXPERIMENT.md, the HTML report and the probing CSV', async () => {
    const results = parseJsonExact((await cli(['export', '1', '--format', 'json', '--db', db])).stdout) as { probing: ProbeRecord[] };
    expect(results.probing.map((probe) => [probe.run, probe.label_field])).toEqual([
      ['histopathology', null],
      ['histopathology', 'model_id'],
      ['radiology', null],
    ]);
    const markdown = (await cli(['export', '1', '--format', 'md', '--db', db])).stdout;
    expect(markdown).toContain('## Probing');
    expect(markdown).toContain('### histopathology: metadata field `model_id`; 78 samples; classes 0');
    const html = (await cli(['export', '1', '--format', 'html', '--db', db])).stdout;
    expect(html).toContain('<h2>Probing</h2>');
    const rows = parse((await cli(['export', '1', '--format', 'probing-csv', '--db', db])).stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(3 * 6);
    expect(rows[0]).toMatchObject({ run: 'histopathology', label_field: '', layer: '0' });
  });

  it('says why an experiment or run cannot be probed', async () => {
    expect(await cliError(['probe', '2', '--db', db])).toContain('Cannot probe experiment 2: it kept no per-sample vectors (--store-vectors means)');
    expect(await cliError(['probe', '1:cardiology', '--db', db])).toContain('it has no run "cardiology" (its runs: histopathology, radiology)');
    expect(await cliError(['probe', '1:radiology', '--label-field', 'nonesuch', '--db', db])).toMatch(/sample \d+ of .*radiology.json has no metadata field "nonesuch" \(fields: modality, body_part, synthetic/);
    expect(await cliError(['probe', '1', '--folds', '1', '--db', db])).toContain('give a whole number of folds from 2 to 20');
    expect(await cliError(['probe', '1:histopathology', '--folds', '6', '--db', db])).toContain('Class 3 has 5 samples, fewer than the 6 cross-validation folds');
    expect(await cliError(['export', '2', '--format', 'probing-csv', '--db', db])).toContain('no run of it has been probed yet');
  });
});
