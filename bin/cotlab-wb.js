#!/usr/bin/env node
// Starts the compiled CLI (dist/, built by `npm run setup` or `npm run build`): no TypeScript is transpiled at start.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('cotlab-wb: error: the workbench is not built yet; run `npm run setup` in its folder first.\n');
  process.exit(1);
}
await import(entry.href);
