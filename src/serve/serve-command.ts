import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../app-info.js';
import { defaultEngineOptions, type EngineLocations } from '../services/engine-options.js';
import { rootsAccess } from '../services/path-policy.js';
import { createEngineSupervisor } from '../host/engine-supervisor.js';
import { forkEngine } from '../host/fork-engine.js';
import { startServer, type RunningServer } from './http.js';

export interface ServeCommandOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** The built renderer; default dist-renderer/ under the installation root. */
  rendererDir?: string;
  engine?: EngineLocations;
  /**
   * Folders whose files (datasets, model folders) requests may name (`--data-root`, repeatable); default: the
   * bundled data folder and the user's home. Hidden folders below them and /proc, /sys, /dev, /etc never are.
   */
  dataRoots?: string[];
  /** Experiment processes at once (`--max-runs`); later runs are queued. Default 1. */
  maxRuns?: number;
  /** The history database (`--db`); default: the engine locations' ($COTLAB_WB_DB, else the per-user default). */
  dbPath?: string;
  /** Where the URL line goes (default stdout). */
  print?: (line: string) => void;
}

export class RendererNotBuiltError extends Error {
  constructor(readonly rendererDir: string) {
    super(`The workbench UI is not built (${rendererDir} has no index.html): run \`npm run build:renderer\` first.`);
    this.name = 'RendererNotBuiltError';
  }
}

/** The data roots serve mode uses when none are given: the bundled datasets and the user's home folder. */
export function defaultDataRoots(root: string): string[] {
  return [path.join(root, 'data'), homedir()];
}

/**
 * `cotlab-wb serve`: the workbench over HTTP on 127.0.0.1 with a fresh random token, printed once inside the URL.
 * The engine runs in child processes, so the server keeps answering during forward passes and survives an engine
 * crash. Paths in requests are confined to the data roots (reads) and the output root (exports). Returns the running
 * server; the caller decides when to close it (the CLI closes it on SIGINT/SIGTERM).
 */
export async function serveCommand(options: ServeCommandOptions = {}): Promise<RunningServer> {
  const rendererDir = options.rendererDir ?? path.join(projectRoot, 'dist-renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) throw new RendererNotBuiltError(rendererDir);
  const defaults = options.engine ?? defaultEngineOptions();
  const locations = options.dbPath === undefined ? defaults : { ...defaults, dbPath: path.resolve(options.dbPath) };
  const paths = rootsAccess(options.dataRoots ?? defaultDataRoots(locations.root), locations.outputRoot);
  const engine = createEngineSupervisor({ spawn: forkEngine, engine: { ...locations, paths }, maxRuns: options.maxRuns });
  const token = randomBytes(24).toString('base64url');
  let server: RunningServer;
  try {
    server = await startServer({ port: options.port ?? 0, host: '127.0.0.1', token, rendererDir, engine });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  print(`CoTLab Workbench is serving on 127.0.0.1 only. Open (keep this URL private, it holds the access token):`);
  print(server.url);
  print(`Files it may open: inside ${paths.dataRoots.join(', ')} (--data-root); exports go inside ${paths.outputRoot}.`);
  print(`History: ${locations.dbPath} (--db).`);
  print('For a remote GPU box: ssh -L <port>:127.0.0.1:<port> <host>, then open the URL locally.');
  return {
    port: server.port,
    url: server.url,
    async close() {
      await server.close();
      await engine.close();
    },
  };
}
