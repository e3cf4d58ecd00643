// The engine's home in the desktop app: an Electron utilityProcess. onnxruntime's run() is synchronous native work
// and a native crash must not take the window down, so models, runs and the history live here, not in main.
import { createDispatcher } from '../src/api/dispatch.js';
import { createEngine } from '../src/api/engine-adapter.js';
import type { EnginePort } from '../src/api/engine-port.js';
import type { FromWorker, ToWorker } from './engine-messages.js';

const port = process.parentPort;
let engine: EnginePort | null = null;
let dispatch: ReturnType<typeof createDispatcher> | null = null;

function send(message: FromWorker): void {
  port.postMessage(message);
}

port.on('message', (envelope: { data: ToWorker }) => {
  const message = envelope.data;
  if (message.kind === 'init') {
    engine = createEngine(message.options);
    dispatch = createDispatcher(engine);
    engine.subscribeProgress((event) => send({ kind: 'progress', event }));
    return;
  }
  const run = dispatch;
  if (run === null) {
    send({ kind: 'result', id: message.id, outcome: { ok: false, error: { code: 'engine_error', message: 'The engine is still starting; try again.', details: [] } } });
    return;
  }
  void run(message.method, message.payload).then((outcome) => send({ kind: 'result', id: message.id, outcome }));
});

process.on('exit', () => {
  void engine?.close();
});
