import { availableParallelism } from 'node:os';
import { prepareProbe, probeLayer, summariseProbe, type LayerProbeResult, type ProbeInput, type ProbeResult } from '../analytics/probing.js';
import { startModuleWorker } from './module-worker.js';

/** The layers of `input` dealt round-robin over `threads` threads, as lists of positions. */
function dealt(layerCount: number, threads: number): number[][] {
  const shares = Array.from({ length: threads }, () => [] as number[]);
  for (let k = 0; k < layerCount; k++) shares[k % threads]?.push(k);
  return shares;
}

function probeInThread(input: ProbeInput, plan: ReturnType<typeof prepareProbe>, positions: number[]): Promise<LayerProbeResult[]> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(import.meta.url, 'probe-thread', {
      workerData: { plan, layers: positions.map((k) => input.layers[k]), vectors: positions.map((k) => input.vectorsByLayer[k]) },
    });
    worker.once('message', (results: LayerProbeResult[]) => resolve(results));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`A probe thread stopped with exit code ${code}.`));
    });
  });
}

/**
 * probeLayers with the layers shared out over the machine's cores: layers are independent and each draws from its
 * own random streams, so the result is the same as probing them one after another.
 */
export async function probeLayersInThreads(input: ProbeInput, maxThreads = availableParallelism()): Promise<ProbeResult> {
  const plan = prepareProbe(input);
  const threads = Math.max(1, Math.min(maxThreads, input.layers.length));
  if (threads === 1) return summariseProbe(plan, input.layers.map((layer, k) => probeLayer(plan, layer, input.vectorsByLayer[k] as Float32Array[])));
  const shares = dealt(input.layers.length, threads);
  const results = await Promise.all(shares.map((positions) => probeInThread(input, plan, positions)));
  const byPosition = new Array<LayerProbeResult>(input.layers.length);
  shares.forEach((positions, t) => positions.forEach((k, i) => (byPosition[k] = results[t]?.[i] as LayerProbeResult)));
  return summariseProbe(plan, byPosition);
}
