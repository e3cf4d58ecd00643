import { utilityProcess, type UtilityProcess } from 'electron';
import type { ApiMethod, ApiOutcome, ProgressEvent } from '../src/api/contract.js';
import type { EngineOptions } from '../src/api/engine-adapter.js';
import type { FromWorker, ToWorker } from './engine-messages.js';

/**
 * The main process's handle on the engine worker. Calls are forwarded and answered by id; if the worker dies
 * (a native crash in onnxruntime, out of memory) every pending call and running experiment is reported as failed
 * and a fresh worker starts on the next call, while the window stays up.
 */
export class EngineProcess {
  private child: UtilityProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: ApiOutcome<ApiMethod>) => void>();
  private readonly activeRuns = new Map<string, ProgressEvent>();

  constructor(
    private readonly workerPath: string,
    private readonly options: EngineOptions,
    private readonly onProgress: (event: ProgressEvent) => void,
  ) {}

  call(method: ApiMethod, payload: unknown): Promise<ApiOutcome<ApiMethod>> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      child.postMessage({ kind: 'call', id, method, payload } satisfies ToWorker);
    });
  }

  stop(): void {
    this.child?.kill();
    this.child = null;
  }

  private ensureChild(): UtilityProcess {
    if (this.child) return this.child;
    const child = utilityProcess.fork(this.workerPath, [], { serviceName: 'CoTLab engine', stdio: 'inherit' });
    child.on('message', (message: FromWorker) => this.receive(message));
    child.on('exit', (code) => this.lost(child, code));
    child.postMessage({ kind: 'init', options: this.options } satisfies ToWorker);
    this.child = child;
    return child;
  }

  private receive(message: FromWorker): void {
    if (message.kind === 'result') {
      this.pending.get(message.id)?.(message.outcome);
      this.pending.delete(message.id);
      return;
    }
    const { event } = message;
    if (event.state === 'starting' || event.state === 'running') this.activeRuns.set(event.runId, event);
    else this.activeRuns.delete(event.runId);
    this.onProgress(event);
  }

  private lost(child: UtilityProcess, code: number): void {
    if (this.child !== child) return;
    this.child = null;
    const message = `The engine process stopped unexpectedly (exit code ${code}). The window is fine; the run was lost and can be started again.`;
    for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: 'engine_error', message, details: [] } });
    this.pending.clear();
    for (const event of this.activeRuns.values()) this.onProgress({ ...event, state: 'failed', etaSeconds: null, message });
    this.activeRuns.clear();
  }
}
