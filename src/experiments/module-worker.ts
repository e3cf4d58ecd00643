import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` beside `importerUrl` (its import.meta.url): the compiled .js from
 * dist/, or the TypeScript source through tsx's loader when the workbench runs from source (tests, tsx).
 */
export function startModuleWorker(importerUrl: string, name: string, options: WorkerOptions): Worker {
  const extension = path.extname(new URL(importerUrl).pathname);
  const entry = new URL(`./${name}${extension}`, importerUrl);
  if (extension !== '.ts') return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
