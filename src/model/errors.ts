/** Where a model problem was found; every field is optional because problems surface at different stages. */
export interface ModelErrorContext {
  /** Model directory. */
  dir?: string;
  /** File inside (or beside) the model directory. */
  file?: string;
  /** Decoder layer index. */
  layer?: number;
  /** ONNX tensor or graph input/output name. */
  tensor?: string;
  /** Config or option field, e.g. `hook_map.resid_post[3]`. */
  field?: string;
}

/** Any problem with a model directory, its graph, its tokenizer or a capture run. */
export class ModelError extends Error {
  readonly context: ModelErrorContext;

  constructor(message: string, context: ModelErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
    this.context = context;
  }
}
