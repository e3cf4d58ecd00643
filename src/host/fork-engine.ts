import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineChild, EngineChildEvents, FromEngine } from './engine-protocol.js';

// The worker sits beside this module's source: engine-worker.ts when run through tsx, engine-worker.js when built.
const moduleFile = fileURLToPath(import.meta.url);
const WORKER_ENTRY = path.join(path.dirname(moduleFile), `engine-worker${path.extname(moduleFile)}`);

/** Node flags for the engine process: the TypeScript source needs tsx's loader, found from this installation. */
function workerExecArgv(): string[] {
  if (!WORKER_ENTRY.endsWith('.ts')) return [];
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
}

/** Starts an engine process with child_process.fork (serve mode); its output goes to the server's terminal. */
export function forkEngine(events: EngineChildEvents): EngineChild {
  const child = fork(WORKER_ENTRY, [], { execArgv: workerExecArgv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let ended = false;
  const end = (how: string) => {
    if (ended) return;
    ended = true;
    events.exit(how);
  };
  child.on('message', (message) => events.message(message as FromEngine));
  child.on('exit', (code, signal) => end(signal === null ? `exit code ${code ?? 'unknown'}` : `signal ${signal}`));
  // A process that never started gets no 'exit'; a message sent as it dies is lost with it (its exit reports that).
  child.on('error', (error) => {
    if (child.pid === undefined) end(`it could not be started: ${error.message}`);
  });
  return {
    send(message) {
      if (child.connected) child.send(message);
    },
    kill() {
      // SIGKILL: the process is either done (its history is closed) or must stop now, however stuck it is.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
