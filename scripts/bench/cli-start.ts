/**
 * CLI start-up: `cotlab-wb --help` against a bare `node -e ""`, measured side by side (alternating rounds) as the
 * median wall time of each whole child process, so the ratio is the CLI's own start-up cost.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchSection } from './section.js';

const ROUNDS = 15;

function childSeconds(args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
  return (performance.now() - start) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export function cliStartSection(root: string): BenchSection {
  return {
    name: 'cli-start',
    async run(log) {
      const cli = path.join(root, 'bin', 'cotlab-wb.js');
      const bare: number[] = [];
      const help: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        bare.push(childSeconds(['-e', '']));
        help.push(childSeconds([cli, '--help']));
      }
      log(`  ${ROUNDS} alternating rounds; median wall time of each child process`);
      return {
        cli_help_seconds: median(help),
        node_bare_seconds: median(bare),
        cli_help_vs_bare_node: median(help) / median(bare),
      };
    },
  };
}
