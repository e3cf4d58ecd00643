// A worker thread of the engine service process (started by parsed-datasets.ts): parses one dataset file, keeps its
// samples and answers pages of them, so the service's own thread (the history calls) never waits for a parse.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { DatasetError } from '../datasets/errors.js';
import { labelDistribution } from '../datasets/label-distribution.js';
import { loadDataset } from '../datasets/load-dataset.js';
import type { LoadedDataset } from '../datasets/sample.js';
import type { Sample } from '../datasets/sample.js';
import { datasetColumns } from './dataset-columns.js';
import type { DatasetThreadInput, FromDatasetThread, ToDatasetThread } from './parsed-datasets.js';
import { errorBody } from './request-errors.js';

const port = parentPort;
if (port === null) throw new Error('dataset-thread.ts runs only as a worker thread of the engine service.');
const { spec, root } = workerData as DatasetThreadInput;
const send = (message: FromDatasetThread) => port.postMessage(message);

let samples: Sample[] = [];
try {
  const file = path.resolve(root, spec.path);
  const columns = spec.format === 'delimited' ? await datasetColumns(file, spec.delimiter) : [];
  let loaded: LoadedDataset | null = null;
  let unloaded: string | null = null;
  try {
    loaded = await loadDataset(spec, root);
  } catch (error) {
    // A delimited file whose text column is not chosen yet is read for its columns only.
    if (!(error instanceof DatasetError && error.code === 'missing_setting')) throw error;
    unloaded = error.message;
  }
  samples = loaded?.samples ?? [];
  send({
    kind: 'parsed',
    summary: { name: loaded?.name ?? spec.name, path: loaded?.path ?? file, total: samples.length, unloaded, columns, labels: labelDistribution(samples) },
  });
} catch (error) {
  send({ kind: 'failed', error: errorBody(error) });
}

port.on('message', (message: ToDatasetThread) => {
  send({ kind: 'rows', id: message.id, rows: samples.slice(message.offset, message.offset + message.limit) });
});
