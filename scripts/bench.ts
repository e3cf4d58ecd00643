/**
 * `npm run bench`: runs every bench section, prints its figures and merges them into bench-results.json at the
 * repository root (sections add keys; a section's keys replace that section's earlier values).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliStartSection } from './bench/cli-start.js';
import { gemmaShapedModel } from './bench/gemma-shaped-model.js';
import { generationSection } from './bench/generation.js';
import { historyStoreSection } from './bench/history-store.js';
import { modelCaptureSection } from './bench/model-capture.js';
import { probingSection } from './bench/probing.js';
import type { BenchSection } from './bench/section.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = path.join(root, '.cache');
const resultsPath = path.join(root, 'bench-results.json');

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const allSections: BenchSection[] = [
  cliStartSection(root),
  modelCaptureSection(cacheRoot),
  generationSection(cacheRoot),
  historyStoreSection(root, () => gemmaShapedModel(cacheRoot, log)),
  probingSection(cacheRoot),
];
// `npm run bench -- history` runs only the sections whose name contains one of the words given.
const wanted = process.argv.slice(2);
const sections = wanted.length === 0 ? allSections : allSections.filter((section) => wanted.some((word) => section.name.includes(word)));

const previous: Record<string, unknown> = existsSync(resultsPath) ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown>) : {};
const results: Record<string, unknown> = { ...previous };
const started = performance.now();
for (const section of sections) {
  log(`== ${section.name}`);
  const figures = await section.run(log);
  Object.assign(results, figures);
  for (const [key, value] of Object.entries(figures)) {
    log(`  ${key} = ${typeof value === 'number' ? Number(value.toPrecision(4)) : value}`);
  }
}
results['measured_at'] = new Date().toISOString();
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
log(`bench finished in ${((performance.now() - started) / 1000).toFixed(0)} s; figures written to ${resultsPath}`);
