#!/usr/bin/env node
// Prepares a checkout for running: compiles the engine and CLI into dist/ when their sources changed since the last
// build, and builds the deterministic demo model when it is missing or when the code that generates it changed.
// Plain JS so it runs before anything else is set up.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function listFiles(path) {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).sort().flatMap((name) => listFiles(join(path, name)));
}

function contentHash(sources) {
  const hash = createHash('sha256');
  for (const file of sources.flatMap(listFiles)) {
    hash.update(relative(root, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** Runs `build` unless `stampFile` records the hash of `sources` it was last run for. */
function buildWhenChanged(what, sources, stampFile, build) {
  const wanted = contentHash(sources);
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
  if (have === wanted) {
    console.error(`setup: ${what} is up to date`);
    return;
  }
  console.error(`setup: building ${what} ...`);
  build();
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, `${wanted}\n`);
}

function runNode(args) {
  execFileSync(process.execPath, args, { stdio: 'inherit', cwd: root });
}

buildWhenChanged(
  'the engine and CLI (dist/)',
  ['src', 'main', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((path) => join(root, path)),
  join(root, 'dist', '.build-stamp'),
  () => runNode([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')]),
);

const demoDir = join(root, 'resources', 'demo-model');
buildWhenChanged(
  'the demo model (resources/demo-model)',
  [join(root, 'scripts', 'build-demo-model.ts'), join(root, 'scripts', 'demo-model'), join(root, 'src', 'model', 'onnx-graph.ts')],
  join(demoDir, '.build-stamp'),
  () => runNode([join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'scripts', 'build-demo-model.ts'), '--out', demoDir]),
);
