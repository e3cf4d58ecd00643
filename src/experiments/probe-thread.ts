// A worker thread that probes some layers (see probe-in-threads.ts): the plan and those layers' vectors in, their
// per-layer results out.
import { parentPort, workerData } from 'node:worker_threads';
import { probeLayer, type ProbePlan } from '../analytics/probing.js';

const { plan, layers, vectors } = workerData as { plan: ProbePlan; layers: number[]; vectors: Float32Array[][] };
parentPort?.postMessage(layers.map((layer, k) => probeLayer(plan, layer, vectors[k] as Float32Array[])));
