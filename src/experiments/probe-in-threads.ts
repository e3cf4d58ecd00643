import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { prepareProbe, summariseProbe, type LayerProbeResult, type ProbeInput, type ProbeResult } from '../analytics/probing.js';
import { ProbeCancelledError } from './history-errors.js';
import { startModuleWorker } from './module-worker.js';

export interface ProbeThreadOptions {
  maxThreads?: number;
  /** Stops the probe: its threads are ended and the promise rejects with a ProbeCancelledError. */
  signal?: AbortSignal;
}

/** The layers of `input` dealt round-robin over `threads` threads, as lists of positions. */
function dealt(layerCount: number, threads: number): number[][] {
  const shares = Array.from({ length: threads }, () => [] as number[]);
  for (let k = 0; k < layerCount; k++) shares[k % threads]?.push(k);
  return shares;
}

function probeInThread(worker: Worker): Promise<LayerProbeResult[]> {
  return new Promise((resolve, reject) => {
    worker.once('message', (results: LayerProbeResult[]) => resolve(results));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`A probe thread stopped with exit code ${code}.`));
    });
  });
}

/**
 * probeLayers with the layers shared out over worker threads (never the caller's thread, so a service stays
 * responsive): layers are independent and each draws from its own random streams, so the result is the same as
 * probing them one after another.
 */
export async function probeLayersInThreads(input: ProbeInput, options: ProbeThreadOptions = {}): Promise<ProbeResult> {
  const { signal } = options;
  if (signal?.aborted) throw new ProbeCancelledError();
  const plan = prepareProbe(input);
  const threads = Math.max(1, Math.min(options.maxThreads ?? availableParallelism(), input.layers.length));
  const shares = dealt(input.layers.length, threads);
  const workers = shares.map((positions) =>
    startModuleWorker(import.meta.url, 'probe-thread', {
      workerData: { plan, layers: positions.map((k) => input.layers[k]), vectors: positions.map((k) => input.vectorsByLayer[k]) },
    }),
  );
  let onAbort = () => undefined as void;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ProbeCancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const results = await Promise.race([Promise.all(workers.map(probeInThread)), cancelled]);
    const byPosition = new Array<LayerProbeResult>(input.layers.length);
    shares.forEach((positions, t) => positions.forEach((k, i) => (byPosition[k] = results[t]?.[i] as LayerProbeResult)));
    return summariseProbe(plan, byPosition);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const worker of workers) void worker.terminate();
  }
}
