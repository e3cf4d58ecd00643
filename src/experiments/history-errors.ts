/** A stored run named on the command line (e.g. `12:histopathology`) that cannot be found. */
export class RunRefError extends Error {
  readonly ref: string;

  constructor(ref: string, problem: string) {
    super(`Run "${ref}": ${problem}.`);
    this.name = 'RunRefError';
    this.ref = ref;
  }
}

/** Two stored runs whose activations cannot be compared meaningfully (different model, hook, pooling or layers). */
export class IncomparableRunsError extends Error {
  readonly runA: string;
  readonly runB: string;
  /** One phrase per difference, e.g. `layers differ (0-5 vs 0, 2, 4)`. */
  readonly differences: string[];

  constructor(runA: string, runB: string, differences: string[]) {
    super(`Runs ${runA} and ${runB} cannot be compared: ${differences.join('; ')}.`);
    this.name = 'IncomparableRunsError';
    this.runA = runA;
    this.runB = runB;
    this.differences = differences;
  }
}

/** An experiment that cannot be continued, with the reason in words. */
export class ResumeError extends Error {
  readonly experimentId: number;

  constructor(experimentId: number, problem: string) {
    super(`Cannot resume experiment ${experimentId}: ${problem}.`);
    this.name = 'ResumeError';
    this.experimentId = experimentId;
  }
}

/** An export that the stored experiment cannot provide (e.g. vectors that were never stored). */
export class HistoryExportError extends Error {
  readonly experimentId: number;
  readonly format: string;

  constructor(experimentId: number, format: string, problem: string) {
    super(`Cannot export experiment ${experimentId} as ${format}: ${problem}.`);
    this.name = 'HistoryExportError';
    this.experimentId = experimentId;
    this.format = format;
  }
}

/** A recorded experiment stopped on request (Ctrl+C); what it did so far is kept in the history. */
export class ExperimentInterruptedError extends Error {
  readonly experimentId: number;
  readonly completedSamples: number;

  constructor(experimentId: number, completedSamples: number, options?: ErrorOptions) {
    super(
      `Stopped after ${completedSamples} samples; experiment ${experimentId} is kept in the history as interrupted.`,
      options,
    );
    this.name = 'ExperimentInterruptedError';
    this.experimentId = experimentId;
    this.completedSamples = completedSamples;
  }
}

/** A file given to `import` that cannot be read as JSON. */
export class HistoryImportError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`Cannot import ${file}: ${problem}.`);
    this.name = 'HistoryImportError';
    this.file = file;
  }
}

/** An experiment whose runs cannot be probed, with the reason in words. */
export class ProbeError extends Error {
  readonly experimentId: number;

  constructor(experimentId: number, problem: string) {
    super(`Cannot probe experiment ${experimentId}: ${problem}.`);
    this.name = 'ProbeError';
    this.experimentId = experimentId;
  }
}

/** A probe stopped on request before it finished; nothing of it was stored. */
export class ProbeCancelledError extends Error {
  constructor() {
    super('The probe was cancelled; nothing was stored.');
    this.name = 'ProbeCancelledError';
  }
}

/**
 * A recorded experiment whose results are complete and kept in the history, but whose report folder could not be
 * written; the history can write it again without computing anything.
 */
export class ReportNotWrittenError extends Error {
  readonly experimentId: number;

  constructor(experimentId: number, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Experiment ${experimentId} completed and is kept in the history, but its report could not be written: ${reason}`, options);
    this.name = 'ReportNotWrittenError';
    this.experimentId = experimentId;
  }
}

/** A stored sample's text cannot be shown (the run has no such sample, or its dataset is gone or changed shape). */
export class StoredSampleError extends Error {
  constructor(
    readonly what: string,
    problem: string,
  ) {
    super(`Cannot show ${what}: ${problem}.`);
    this.name = 'StoredSampleError';
  }
}
