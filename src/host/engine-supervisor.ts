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
import { realPathOf, type PathAccess } from '../services/path-policy.js';
import type { EnginePort } from './engine-port.js';
import { isFinalState, type EngineChild, type FromEngine, type SpawnEngine } from './engine-protocol.js';
import type { ExperimentJob } from '../services/experiment-job.js';
import { startingEvent } from '../services/starting-event.js';

export interface SupervisorOptions {
  spawn: SpawnEngine;
  engine: EngineOptions;
  /** How long a cancelled run may take to reach a point where it can stop before its process is ended. */
  cancelGraceMs?: number;
  /** Experiment processes running at once (each holds a model in memory); later runs wait in a queue. Default 1. */
  maxRuns?: number;
}

/** A real model's forward pass can take seconds; after this a run that ignores its cancel is stopped by force. */
const DEFAULT_CANCEL_GRACE_MS = 15_000;

interface ActiveRun {
  job: ExperimentJob;
  /** Null while the run waits in the queue. */
  child: EngineChild | null;
  /** Its process has ended: the run no longer holds a slot. */
  exited: boolean;
  latest: ProgressEvent;
  finished: boolean;
  cancelTimer: NodeJS.Timeout | null;
  /** Ended by the supervisor because it did not stop within the grace time after a cancel. */
  forcedStop: boolean;
  /** Hears once whether the run process accepted or refused the job. */
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
 * failed and stays resumable in the history. At most `maxRuns` experiment processes run at once; the others wait
 * in a queue, in the `queued` state with their place in it.
 */
export function createEngineSupervisor(options: SupervisorOptions): EnginePort {
  const cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  const maxRuns = options.maxRuns ?? 1;
  if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new Error(`maxRuns must be a whole number of at least 1, got ${maxRuns}.`);
  const listeners = new Set<(event: ProgressEvent) => void>();
  const pending = new Map<number, (outcome: ApiOutcome<ApiMethod>) => void>();
  const runs = new Map<string, ActiveRun>();
  /** Run ids waiting for a slot, first to start first. */
  const queue: string[] = [];
  /** The desktop's granted paths grow during the session; every process started later gets them all. */
  let access: PathAccess = options.engine.paths;
  let service: EngineChild | null = null;
  let nextCallId = 1;

  const engineOptions = (): EngineOptions => ({ ...options.engine, paths: access });

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
    child.send({ kind: 'serve', options: engineOptions() });
    service = child;
    return child;
  }

  /** A call to the service process; an abort is passed on, and the process answers the call as cancelled. */
  async function callService<M extends ServiceMethod>(method: M, request: ApiRequest<M>, signal?: AbortSignal): Promise<ApiResponse<M>> {
    const id = nextCallId++;
    const target = serviceProcess();
    const abort = () => target.send({ kind: 'abort', id });
    signal?.addEventListener('abort', abort, { once: true });
    const outcome = await new Promise<ApiOutcome<ApiMethod>>((resolve) => {
      pending.set(id, resolve);
      target.send({ kind: 'call', id, method, payload: request });
    });
    signal?.removeEventListener('abort', abort);
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
      finish(run);
    } else if (message.kind === 'progress' && !run.finished) {
      publish(run, message.event);
      if (isFinalState(message.event.state)) finish(run);
    }
  }

  function onRunExit(run: ActiveRun, how: string): void {
    run.exited = true;
    if (run.cancelTimer !== null) clearTimeout(run.cancelTimer);
    if (run.reply !== null) {
      run.reply.refuse(new EngineRequestError(`The engine process stopped before the experiment could start (${how}).`, 'engine_error'));
      run.reply = null;
    } else if (!run.finished) {
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
    startQueued();
  }

  /** Runs whose process is started and has not ended: each holds a slot. */
  function slotsInUse(): number {
    let used = 0;
    for (const run of runs.values()) if (run.child !== null && !run.exited) used += 1;
    return used;
  }

  /** Starts the run's process; `reply` hears whether it accepted the job. */
  function launch(runId: string, run: ActiveRun, reply: ActiveRun['reply']): void {
    run.reply = reply;
    publish(run, { ...startingEvent(runId, 'Starting the engine…'), variantCount: run.latest.variantCount });
    run.child = options.spawn({ message: (message) => onRunMessage(runId, run, message), exit: (how) => onRunExit(run, how) });
    run.child.send({ kind: 'run', runId, options: engineOptions(), job: run.job });
  }

  /** Tells every queued run its place, when it changed. */
  function publishQueue(): void {
    queue.forEach((runId, index) => {
      const run = runs.get(runId);
      if (run === undefined || run.latest.queuePosition === index + 1) return;
      const ahead = index === 0 ? 'the running experiment' : `the running experiment and ${index} queued before it`;
      publish(run, { ...run.latest, state: 'queued', queuePosition: index + 1, message: `Queued: waits for ${ahead} (at most ${maxRuns} at once).` });
    });
  }

  /** Starts queued runs while slots are free. A queued run already has its id, so a refusal becomes its failed state. */
  function startQueued(): void {
    while (queue.length > 0 && slotsInUse() < maxRuns) {
      const runId = queue.shift() as string;
      const run = runs.get(runId);
      if (run === undefined || run.finished) continue;
      launch(runId, run, {
        accept: () => undefined,
        refuse: (error) => {
          run.finished = true;
          publish(run, { ...run.latest, state: 'failed', etaSeconds: null, message: `The experiment could not start: ${error.message}` });
        },
      });
    }
    publishQueue();
  }

  function startRun(job: ExperimentJob): Promise<string> {
    const runId = randomUUID();
    const variantCount = job.kind === 'start' ? job.request.variants.length : 0;
    const run: ActiveRun = {
      job,
      child: null,
      exited: false,
      latest: { ...startingEvent(runId, 'Queued.'), state: 'queued', variantCount },
      finished: false,
      cancelTimer: null,
      forcedStop: false,
      reply: null,
    };
    runs.set(runId, run);
    if (slotsInUse() >= maxRuns) {
      queue.push(runId);
      publishQueue();
      return Promise.resolve(runId);
    }
    return new Promise((resolve, reject) => {
      launch(runId, run, {
        accept: () => resolve(runId),
        // Refused before it started: the caller gets the error, and the run id was never handed out.
        refuse: (error) => {
          runs.delete(runId);
          reject(error);
        },
      });
    });
  }

  // Started now, not on the first call: loading the engine takes a moment the first screen should not wait for.
  serviceProcess();

  const serviceCalls = Object.fromEntries(
    SERVICE_METHODS.map((method) => [method, (request: ApiRequest<typeof method>, signal?: AbortSignal) => callService(method, request, signal)]),
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
      const place = queue.indexOf(request.runId);
      if (place >= 0) {
        queue.splice(place, 1);
        run.finished = true;
        publish(run, { ...run.latest, state: 'cancelled', queuePosition: null, message: 'Cancelled before it started.' });
        publishQueue();
        return { cancelled: true };
      }
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
    grantPath(requested, use) {
      if (access.kind !== 'granted') throw new Error('Paths are granted only in the desktop app, whose engine reads chosen paths alone.');
      const real = realPathOf(requested);
      const granted = access[use].includes(real) ? access : { ...access, [use]: [...access[use], real] };
      access = granted;
      service?.send({ kind: 'grant', path: real, use });
    },
    subscribeProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      queue.length = 0;
      for (const run of runs.values()) if (!run.finished) finish(run);
      service?.kill();
    },
  };
}
