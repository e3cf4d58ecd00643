import type { Command } from 'commander';
import { serveCommand } from '../serve/serve-command.js';
import { addDbOption, type DbOption } from './store-option.js';

function wholeNumber(option: string, min: number, max: number) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max) throw new Error(`${option} must be a whole number from ${min} to ${max}, got ${value}`);
    return number;
  };
}

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('Serve the workbench UI and API on 127.0.0.1 only, with a per-start access token (for a browser or an SSH tunnel).')
    .option('--port <n>', 'port to listen on (default: a free one)', wholeNumber('--port', 0, 65535))
    .option(
      '--data-root <dir>',
      'a folder whose datasets and model folders the UI may open (repeatable; default: the bundled data and your home folder; hidden folders and /proc, /sys, /dev, /etc never)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--max-runs <n>', 'experiments running at once; later ones wait in a queue (default: 1)', wholeNumber('--max-runs', 1, 64));
  addDbOption(command).action(async (options: DbOption & { port?: number; dataRoot?: string[]; maxRuns?: number }) => {
    const server = await serveCommand({ port: options.port, dataRoots: options.dataRoot, maxRuns: options.maxRuns, dbPath: options.db });
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
