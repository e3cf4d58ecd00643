import { utilityProcess } from 'electron';
import type { EngineChild, EngineChildEvents, FromEngine, SpawnEngine } from '../src/host/engine-protocol.js';

/** Starts engine processes as Electron utility processes (the desktop app's counterpart of serve's forkEngine). */
export function utilityEngineSpawner(workerPath: string): SpawnEngine {
  return (events: EngineChildEvents): EngineChild => {
    const child = utilityProcess.fork(workerPath, [], { serviceName: 'CoTLab engine', stdio: 'inherit' });
    let running = true;
    child.on('message', (message: FromEngine) => events.message(message));
    child.on('exit', (code) => {
      running = false;
      events.exit(`exit code ${code}`);
    });
    return {
      send(message) {
        if (running) child.postMessage(message);
      },
      kill() {
        // SIGKILL, as in serve mode: utilityProcess.kill() sends SIGTERM, which a stuck native call may never see.
        if (running && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      },
    };
  };
}
