import type { Command } from 'commander';
import { serveCommand } from '../serve/serve-command.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the workbench UI and API on 127.0.0.1 only, with a per-start access token (for a browser or an SSH tunnel).')
    .option('--port <n>', 'port to listen on (default: a free one)', (value) => {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${value}`);
      return port;
    })
    .action(async (options: { port?: number }) => {
      const server = await serveCommand({ port: options.port });
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
