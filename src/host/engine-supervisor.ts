import { randomUUID } from 'node:crypto';
import {
  SERVICE_METHODS,
  type ApiErrorBody,
  type ApiMethod,
  type ApiOutcome,
  type ApiRequest,
  type ApiResponse,
  type ProgressEvent,
  type ServiceMethod,
} from '../contract/index.js';
import type { EngineOptions } from '../services/engine-options.js';
import { EngineRequestError, type ServiceCalls } from '../services/engine-calls.js';
import type { EnginePort } from './engine-port.js';
import { isFinalState, type EngineChild, type FromEngine, type SpawnEngine } from './engine-protocol.js';
import type { ExperimentJob } from '../services/experiment-job.js';
import { startingEvent } from '../services/starting-event.js';

export interface SupervisorOptions {
  spawn: SpawnEngine;
  engine: EngineOptions;
  /** How long a cancelled run may take to reach a point where it can stop before its process is ended. */
  cancelGraceMs?: number;
}

/** A real model's forward pass can take seconds; after this a run that ignores its cancel is stopped by force. */
const DEFAULT_CANCEL_GRACE_MS = 15_000;

interface ActiveRun {
  /** Null only while the process is being started. */
  child: EngineChild | null;
  latest: ProgressEvent;
  finished: boolean;
  cancelTimer: NodeJS.Timeout | null;
  /** Ended by the supervisor because it did not stop within the grace time after a cancel. */
  forcedStop: boolean;
  /** Settles startExperiment/resumeExperiment once the run process accepted or refused the job. */
  reply: { accept(): void; refuse(error: EngineRequestError): void } | null;
}

function requestError(error: ApiErrorBody['error']): EngineRequestError {
  return new EngineRequestError(error.message, error.code === 'unauthorized' ? 'engine_error' : error.code, error.details);
}

/**
 * The UI side of the engine: data and history calls go to one long-lived engine service process, and every
 * experiment runs in a process of its own. The caller (the HTTP server, Electron's main process) therefore never
 * blocks on a forward pass, and an engine process that dies (a native crash in onnxruntime, out of memory) fails
 * only its own calls or run: a lost service process is started again on the next call, a lost run is reported as
 * failed and stays resumable in the history.
 */
export function createEngineSupervisor(options: SupervisorOptions): EnginePort {
  const cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  const listeners = new Set<(event: ProgressEvent) => void>();
  const pending = new Map<number, (outcome: ApiOutcome<ApiMethod>) => void>();
  const runs = new Map<string, ActiveRun>();
  let service: EngineChild | null = null;
  let nextCallId = 1;

  const emit = (event: ProgressEvent) => listeners.forEach((listener) => listener(event));

  function serviceProcess(): EngineChild {
    if (service !== null) return service;
    const child: EngineChild = options.spawn({
      message: (message) => {
        if (message.kind !== 'result') return;
        pending.get(message.id)?.(message.outcome);
        pending.delete(message.id);
      },
      exit: (how) => {
        if (service !== child) return;
        service = null;
        const error = { code: 'engine_error' as const, message: `The engine process stopped unexpectedly (${how}); the workbench starts a new one, try again.`, details: [] };
        for (const resolve of pending.values()) resolve({ ok: false, error });
        pending.clear();
      },
    });
    child.send({ kind: 'serve', options: options.engine });
    service = child;
    return child;
  }

  async function callService<M extends ServiceMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
    const outcome = await new Promise<ApiOutcome<ApiMethod>>((resolve) => {
      const id = nextCallId++;
      pending.set(id, resolve);
      serviceProcess().send({ kind: 'call', id, method, payload: request });
    });
    if (!outcome.ok) throw requestError(outcome.error);
    return outcome.data as ApiResponse<M>;
  }

  function publish(run: ActiveRun, event: ProgressEvent): void {
    run.latest = event;
    emit(event);
  }

  function finish(run: ActiveRun): void {
    run.finished = true;
    if (run.cancelTimer !== null) clearTimeout(run.cancelTimer);
    run.child?.kill();
  }

  function onRunMessage(runId: string, run: ActiveRun, message: FromEngine): void {
    if (message.kind === 'runAccepted') {
      run.reply?.accept();
      run.reply = null;
    } else if (message.kind === 'runRefused') {
      run.reply?.refuse(requestError(message.error));
      run.reply = null;
      runs.delete(runId);
      finish(run);
    } else if (message.kind === 'progress' && !run.finished) {
      publish(run, message.event);
      if (isFinalState(message.event.state)) finish(run);
    }
  }

  function onRunExit(runId: string, run: ActiveRun, how: string): void {
    if (run.cancelTimer !== null) clearTimeout(run.cancelTimer);
    if (run.reply !== null) {
      run.reply.refuse(new EngineRequestError(`The engine process stopped before the experiment could start (${how}).`, 'engine_error'));
      run.reply = null;
      runs.delete(runId);
      return;
    }
    if (run.finished) return;
    run.finished = true;
    const id = run.latest.experimentId;
    const kept = id === null ? 'Start it again.' : `Experiment ${id} keeps the samples done so far; resume it from the History.`;
    publish(run, {
      ...run.latest,
      state: run.forcedStop ? 'cancelled' : 'failed',
      etaSeconds: null,
      message: run.forcedStop
        ? `Stopped: the engine did not reach a point where it could stop within ${Math.round(cancelGraceMs / 1000)} s, so its process was ended. ${kept}`
        : `The engine process running this experiment stopped unexpectedly (${how}), e.g. a crash in onnxruntime or too little memory; the workbench itself is fine. ${kept}`,
    });
  }

  function startRun(job: ExperimentJob): Promise<string> {
    const runId = randomUUID();
    return new Promise((resolve, reject) => {
      const run: ActiveRun = {
        child: null,
        latest: startingEvent(runId, 'Starting the engine…'),
        finished: false,
        cancelTimer: null,
        forcedStop: false,
        reply: { accept: () => resolve(runId), refuse: reject },
      };
      run.child = options.spawn({ message: (message) => onRunMessage(runId, run, message), exit: (how) => onRunExit(runId, run, how) });
      runs.set(runId, run);
      run.child.send({ kind: 'run', runId, options: options.engine, job });
    });
  }

  // Started now, not on the first call: loading the engine takes a moment the first screen should not wait for.
  serviceProcess();

  const serviceCalls = Object.fromEntries(
    SERVICE_METHODS.map((method) => [method, (request: ApiRequest<typeof method>) => callService(method, request)]),
  ) as unknown as ServiceCalls;

  return {
    ...serviceCalls,
    async startExperiment(request) {
      return { runId: await startRun({ kind: 'start', request }) };
    },
    async resumeExperiment(request) {
      return { runId: await startRun({ kind: 'resume', experimentId: request.id }) };
    },
    async cancelExperiment(request) {
      const run = runs.get(request.runId);
      if (run === undefined || run.finished) return { cancelled: false };
      run.child?.send({ kind: 'cancel' });
      run.cancelTimer ??= setTimeout(() => {
        run.forcedStop = true;
        run.child?.kill();
      }, cancelGraceMs).unref();
      return { cancelled: true };
    },
    async experimentStatus(request) {
      const run = runs.get(request.runId);
      if (run === undefined) throw new EngineRequestError(`No experiment run "${request.runId}" was started by this workbench session.`, 'not_found');
      return run.latest;
    },
    subscribeProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      for (const run of runs.values()) if (!run.finished) finish(run);
      service?.kill();
    },
  };
}
