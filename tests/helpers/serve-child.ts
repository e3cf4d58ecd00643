// `serve` in a process of its own, for tests that try to break it (a crash must not take the test runner down):
// node --import tsx serve-child.ts SCRATCH DATA_ROOT. The renderer, history and outputs live in SCRATCH; requests
// may read inside DATA_ROOT and the repository's data/. Prints {"url", "port"} as one JSON line once it listens.
import path from 'node:path';
import { serveCommand } from '../../src/serve/serve-command.js';
import { repoRoot } from './cli.js';
import { scratchEngineOptions } from './engine-options.js';

const [scratch, dataRoot] = process.argv.slice(2);
if (scratch === undefined || dataRoot === undefined) throw new Error('usage: serve-child.ts SCRATCH DATA_ROOT');
const server = await serveCommand({
  port: 0,
  rendererDir: scratch,
  engine: scratchEngineOptions(scratch, 'fuzz'),
  dataRoots: [dataRoot, path.join(repoRoot, 'data')],
  print: () => undefined,
});
process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
