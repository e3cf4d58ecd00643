// The engine process: started by the serve mode (child_process.fork) or the desktop app (Electron utilityProcess,
// through main/worker.ts). onnxruntime's run() blocks its thread and a native crash ends the process, so models,
// runs and the history live here, never in the process that answers the UI.
import { createDispatcher, type Dispatch } from './dispatch.js';
import type { FromEngine, ParentChannel, ToEngine } from './engine-protocol.js';
import { pathPolicyOf } from '../services/engine-options.js';
import { createEngineService } from '../services/engine-service.js';
import { runExperimentJob } from '../services/experiment-job.js';
import type { PathPolicy } from '../services/path-policy.js';
import { errorBody } from '../services/request-errors.js';

/** Electron's utilityProcess port (typed here so the engine needs no Electron types). */
interface ElectronParentPort {
  on(event: 'message', listener: (envelope: { data: ToEngine }) => void): void;
  postMessage(message: FromEngine): void;
}

function parentChannel(): ParentChannel {
  const electronPort = (process as NodeJS.Process & { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort !== undefined) {
    return { send: (message) => electronPort.postMessage(message), onMessage: (listener) => electronPort.on('message', (envelope) => listener(envelope.data)) };
  }
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('The engine process must be started by the workbench (serve mode or the desktop app).');
  // The serve process is gone (killed, crashed): nobody is left to report to.
  process.on('disconnect', () => process.exit(0));
  return { send: (message) => void send(message), onMessage: (listener) => process.on('message', (message) => listener(message as ToEngine)) };
}

const channel = parentChannel();
let dispatch: Dispatch | null = null;
let paths: PathPolicy | null = null;
let serviceProblem: unknown = null;
let activeRun: AbortController | null = null;
/** Calls in progress, to abort when their caller is gone. */
const calls = new Map<number, AbortController>();

function serve(options: Extract<ToEngine, { kind: 'serve' }>['options']): void {
  try {
    paths = pathPolicyOf(options);
    const service = createEngineService(options, paths);
    dispatch = createDispatcher(service);
    process.on('exit', () => service.close());
  } catch (error) {
    // E.g. a history file that is not ours: every call says so instead of the process dying in a loop.
    serviceProblem = error;
  }
}

async function answer(message: Extract<ToEngine, { kind: 'call' }>): Promise<void> {
  const controller = new AbortController();
  calls.set(message.id, controller);
  const outcome =
    dispatch !== null
      ? await dispatch(message.method, message.payload, controller.signal)
      : { ok: false as const, error: errorBody(serviceProblem ?? new Error('The engine process was not started as a service.')) };
  calls.delete(message.id);
  channel.send({ kind: 'result', id: message.id, outcome });
}

async function run(message: Extract<ToEngine, { kind: 'run' }>): Promise<void> {
  const controller = new AbortController();
  activeRun = controller;
  let accepted = false;
  try {
    await runExperimentJob(message.runId, message.job, message.options, pathPolicyOf(message.options), controller.signal, {
      accepted: () => {
        accepted = true;
        channel.send({ kind: 'runAccepted' });
      },
      progress: (event) => channel.send({ kind: 'progress', event }),
    });
  } catch (error) {
    // Once accepted, the job reports its own failures; anything escaping it is a bug: let the process die, so the
    // parent reports the run as failed.
    if (accepted) throw error;
    channel.send({ kind: 'runRefused', error: errorBody(error) });
  }
}

channel.onMessage((message) => {
  switch (message.kind) {
    case 'serve':
      serve(message.options);
      return;
    case 'call':
      void answer(message);
      return;
    case 'abort':
      calls.get(message.id)?.abort();
      return;
    case 'grant':
      paths?.grant(message.path, message.use);
      return;
    case 'run':
      void run(message);
      return;
    case 'cancel':
      activeRun?.abort();
      return;
  }
});
