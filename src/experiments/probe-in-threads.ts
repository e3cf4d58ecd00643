import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { prepareProbe, summariseProbe, type LayerProbeResult, type ProbeInput, type ProbePlan, type ProbeResult } from '../analytics/probing.js';
import { ProbeCancelledError } from './history-errors.js';
import { startModuleWorker } from './module-worker.js';

export interface ProbeThreadOptions {
  maxThreads?: number;
  /** Stops the probe: its threads are ended and the promise rejects with a ProbeCancelledError. */
  signal?: AbortSignal;
}

/** What a probe thread is sent: one layer to probe, or null when there is none left. */
export type ProbeThreadTask = { position: number; layer: number; vectors: Float32Array[] } | null;
export interface ProbeThreadAnswer {
  position: number;
  result: LayerProbeResult;
}

/**
 * One thread taking layers from a shared queue until it is empty: layers differ in cost (a layer far from chance
 * runs every permutation, one at chance stops after a few dozen), so a thread that finishes early takes the next.
 */
function runThread(worker: Worker, input: ProbeInput, queue: number[], results: LayerProbeResult[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const sendNext = () => {
      const position = queue.shift();
      const task: ProbeThreadTask =
        position === undefined ? null : { position, layer: input.layers[position] as number, vectors: input.vectorsByLayer[position] as Float32Array[] };
      worker.postMessage(task);
    };
    worker.on('message', (answer: ProbeThreadAnswer) => {
      results[answer.position] = answer.result;
      sendNext();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`A probe thread stopped with exit code ${code}.`))));
    sendNext();
  });
}

/**
 * probeLayers with the layers shared out over worker threads, one per core (never the caller's thread, so a service
 * stays responsive): layers are independent and each draws from its own random streams, so the result is the same
 * as probing them one after another.
 */
export async function probeLayersInThreads(input: ProbeInput, options: ProbeThreadOptions = {}): Promise<ProbeResult> {
  const { signal } = options;
  if (signal?.aborted) throw new ProbeCancelledError();
  const plan: ProbePlan = prepareProbe(input);
  const threads = Math.max(1, Math.min(options.maxThreads ?? availableParallelism(), input.layers.length));
  const queue = input.layers.map((_, k) => k);
  const results = new Array<LayerProbeResult>(input.layers.length);
  const workers = Array.from({ length: threads }, () => startModuleWorker(import.meta.url, 'probe-thread', { workerData: { plan } }));
  let onAbort = () => undefined as void;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ProbeCancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([Promise.all(workers.map((worker) => runThread(worker, input, queue, results))), cancelled]);
    return summariseProbe(plan, results);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const worker of workers) void worker.terminate();
  }
}
