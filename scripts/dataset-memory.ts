/**
 * Peak memory of loading a large dataset file: generates a HARE TSV and a generic TSV of the given size (MB,
 * default 200) in a scratch folder, loads each in a fresh child process and prints the file size, the process's
 * memory before loading and its peak resident set size (maxRSS) while loading. A measurement, not a test:
 * `npx tsx scripts/dataset-memory.ts [MB]`.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/datasets/load-dataset.js';
import type { LoaderSpec } from '../src/datasets/spec.js';

const MIB = 1024 * 1024;

/** A clinical-looking sentence of about 100 bytes, varied by `seed` so strings are not shared. */
function sentence(seed: number): string {
  const sites = ['breast', 'lung', 'colon', 'prostate', 'skin', 'liver'];
  const grades = ['well', 'moderately', 'poorly'];
  return `Sections of the ${sites[seed % sites.length]} biopsy ${seed} show ${grades[seed % grades.length]} differentiated carcinoma, margin ≥ 2 mm. `;
}

/** A report of about `bytes` bytes, with a line break inside (so fields are quoted, as in the real HARE file). */
function report(seed: number, bytes: number): string {
  let text = '';
  for (let part = 0; text.length < bytes; part += 1) text += sentence(seed * 31 + part) + (part === 3 ? '\n' : '');
  return `"${text.trim()}"`;
}

async function writeLines(file: string, targetBytes: number, header: string, line: (row: number) => string): Promise<void> {
  const out = createWriteStream(file);
  let written = 0;
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      written += Buffer.byteLength(text);
      if (out.write(text)) resolve();
      else out.once('drain', resolve);
    });
  await write(`${header}\n`);
  for (let row = 0; written < targetBytes; row += 1) await write(`${line(row)}\n`);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function generate(dir: string, megabytes: number): Promise<Array<{ label: string; spec: LoaderSpec }>> {
  const target = megabytes * MIB;
  const hare = path.join(dir, 'hare.tsv');
  await writeLines(hare, target, ['ground_truth', '0', '1', '2', '3', 'Scoring 0', 'Scoring 1', 'Scoring 2', 'Scoring 3'].join('\t'), (row) =>
    [report(row, 300), ...[0, 1, 2, 3].map((m) => report(row * 4 + m, 600)), ...[0, 1, 2, 3].map((m) => String((row + m) % 5))].join('\t'),
  );
  const notes = path.join(dir, 'notes.tsv');
  await writeLines(notes, target, 'note\tlabel\tsite', (row) => [report(row, 1500), String(row % 3), `site-${row % 17}`].join('\t'));
  const base = { text_column: null, label_column: null, metadata_columns: [], delimiter: null };
  return [
    { label: 'hare_tsv', spec: { ...base, name: 'hare', format: 'hare_tsv', path: hare } },
    {
      label: 'delimited',
      spec: { ...base, name: 'notes', format: 'delimited', path: notes, text_column: 'note', label_column: 'label', metadata_columns: ['site'] },
    },
  ];
}

interface ChildReport {
  samples: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
}

/** In the child: load the dataset once and report memory. */
async function measure(specJson: string): Promise<void> {
  const spec = JSON.parse(specJson) as LoaderSpec;
  const rssBefore = process.memoryUsage().rss;
  const loaded = await loadDataset(spec, process.cwd());
  const report: ChildReport = {
    samples: loaded.samples.length,
    rssBeforeMiB: rssBefore / MIB,
    // maxRSS is in KiB.
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function main(): Promise<void> {
  const [first, second] = process.argv.slice(2);
  if (first === '--child' && second !== undefined) {
    await measure(second);
    return;
  }
  const megabytes = first === undefined ? 200 : Number(first);
  const dir = mkdtempSync(path.join(tmpdir(), 'cotlab-dataset-memory-'));
  try {
    for (const { label, spec } of await generate(dir, megabytes)) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)], {
        encoding: 'utf8',
        maxBuffer: 16 * MIB,
      });
      if (child.status !== 0) throw new Error(`measuring ${label} failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout) as ChildReport;
      const fileMiB = statSync(spec.path).size / MIB;
      const peak = result.peakRssMiB;
      process.stdout.write(
        `${label}: ${fileMiB.toFixed(0)} MiB file, ${result.samples} samples; RSS ${result.rssBeforeMiB.toFixed(0)} MiB before loading, peak ${peak.toFixed(0)} MiB (${(peak / fileMiB).toFixed(1)}x the file, ${((peak - result.rssBeforeMiB) / fileMiB).toFixed(1)}x above the start)\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
