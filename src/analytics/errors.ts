/** Where in the analysis input a problem was found. */
export interface AnalysisErrorContext {
  /** Run name. */
  run?: string;
  /** Model layer index. */
  layer?: number;
  /** Position of the sample within the run. */
  sample?: number;
  /** Input or option field, e.g. `options.nBoot`. */
  field?: string;
}

/** The vectors, labels or options handed to an analysis do not fit together. */
export class AnalysisInputError extends Error {
  readonly context: AnalysisErrorContext;

  constructor(message: string, context: AnalysisErrorContext = {}) {
    super(message);
    this.name = 'AnalysisInputError';
    this.context = context;
  }
}
