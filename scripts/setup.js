#!/usr/bin/env node
// Prepares a fresh checkout for running: builds the deterministic demo model when it is missing or when the code
// that generates it has changed since it was built. Plain JS so it runs before anything else is set up.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = join(root, 'resources', 'demo-model');
const stampFile = join(demoDir, '.build-stamp');
const generatorSources = [join(root, 'scripts', 'build-demo-model.ts'), join(root, 'scripts', 'demo-model'), join(root, 'src', 'model', 'onnx-graph.ts')];

function listFiles(path) {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).sort().flatMap((name) => listFiles(join(path, name)));
}

function generatorHash() {
  const hash = createHash('sha256');
  for (const file of generatorSources.flatMap(listFiles)) {
    hash.update(relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

const wanted = generatorHash();
const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
if (have === wanted && existsSync(join(demoDir, 'model.onnx'))) {
  console.error('setup: demo model is up to date (resources/demo-model)');
} else {
  console.error('setup: building the demo model into resources/demo-model ...');
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'build-demo-model.ts'), '--out', demoDir], {
    stdio: 'inherit',
    cwd: root,
  });
  writeFileSync(stampFile, `${wanted}\n`);
}
