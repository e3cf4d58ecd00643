// A worker thread that probes layers (see probe-in-threads.ts): the plan once, then one layer per message until a
// null message says there are no more.
import { parentPort, workerData } from 'node:worker_threads';
import { probeLayer, type ProbePlan } from '../analytics/probing.js';
import type { ProbeThreadAnswer, ProbeThreadTask } from './probe-in-threads.js';

const { plan } = workerData as { plan: ProbePlan };
parentPort?.on('message', (task: ProbeThreadTask) => {
  if (task === null) {
    parentPort?.close();
    return;
  }
  const answer: ProbeThreadAnswer = { position: task.position, result: probeLayer(plan, task.layer, task.vectors) };
  parentPort?.postMessage(answer);
});
