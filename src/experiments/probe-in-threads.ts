import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { prepareProbe, probeLayer, summariseProbe, type LayerProbeResult, type ProbeInput, type ProbePlan, type ProbeResult } from '../analytics/probing.js';
import { startModuleWorker } from './module-worker.js';

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
function runThread(input: ProbeInput, plan: ProbePlan, queue: number[], results: LayerProbeResult[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker: Worker = startModuleWorker(import.meta.url, 'probe-thread', { workerData: { plan } });
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
 * probeLayers with the layers shared out over the machine's cores, one thread per core: layers are independent and
 * each draws from its own random streams, so the result is the same as probing them one after another.
 */
export async function probeLayersInThreads(input: ProbeInput, maxThreads = availableParallelism()): Promise<ProbeResult> {
  const plan = prepareProbe(input);
  const threads = Math.max(1, Math.min(maxThreads, input.layers.length));
  if (threads === 1) return summariseProbe(plan, input.layers.map((layer, k) => probeLayer(plan, layer, input.vectorsByLayer[k] as Float32Array[])));
  const queue = input.layers.map((_, k) => k);
  const results = new Array<LayerProbeResult>(input.layers.length);
  await Promise.all(Array.from({ length: threads }, () => runThread(input, plan, queue, results)));
  return summariseProbe(plan, results);
}
