/** A problem with an experiment's plan or its execution that is not the fault of one input file. */
export class ExperimentError extends Error {
  constructor(
    message: string,
    readonly field: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ExperimentError';
  }
}

/** Raised when a running experiment is cancelled between two samples. */
export class ExperimentCancelledError extends Error {
  constructor(readonly completedSamples: number) {
    super(`The experiment was cancelled after ${completedSamples} samples.`);
    this.name = 'ExperimentCancelledError';
  }
}
