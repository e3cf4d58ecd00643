export type ExecutionProviderName = 'cuda' | 'cpu';

export interface ModelInfo {
  /** Absolute path of the model directory. */
  dir: string;
  /** Hugging Face style model_type from config.json, e.g. `gemma3_text`. */
  modelType: string;
  numLayers: number;
  hiddenSize: number;
  /** Execution provider that actually ran, and why when it differs from the one asked for. */
  executionProvider: ExecutionProviderName;
  executionProviderNote: string | null;
  /** onnxruntime thread pool sizes asked for; null = onnxruntime's own choice. */
  intraOpThreads: number | null;
  interOpThreads: number | null;
  /** Float type of the decoder's activations (float32, float16, bfloat16, unknown). */
  dtype: string;
  /** How the hook tensors were found: an export style (optimum, genai) or hook_map. */
  exportStyle: string;
  /** Weight format, e.g. `int4 MatMulNBits (block 32, 42 matmuls)` or `float32 weights`. */
  quantization: string;
  /** Prompts per forward pass in captureBatch. */
  batchSize: number;
  /** What the host had to repair while opening (e.g. a corrupted capture-graph cache entry rebuilt), one line each. */
  notices: string[];
  /** What the model can do beyond capture (generation, KV cache, logit lens), and what follows when it cannot. */
  capabilities: CapabilitySummary;
}

/** ModelCapabilities in plain facts, for logs, reports and the UI. */
export interface CapabilitySummary {
  /** An LM head after a final norm the workbench can reuse: generation and the logit lens work. */
  lmHead: boolean;
  /** A KV cache (present.* for every past input): one token per decoding pass instead of recomputing. */
  kvCache: boolean;
  /** How rows of different lengths share a decoding pass (see decode-loop.ts PaddingSide). */
  padding: 'left' | 'right' | 'none';
  /** The experiments this model can run. */
  experiments: ('activation_compare' | 'classification' | 'logit_lens')[];
  /** One line per missing capability. */
  notes: string[];
}

export interface CaptureOptions {
  /** Truncate the token sequence to this many tokens (null: no limit). */
  maxInputTokens: number | null;
}

export interface CaptureResult {
  /** Number of tokens fed to the model (after truncation). */
  tokenCount: number;
  /** True when the input was longer than maxInputTokens and was cut. */
  truncated: boolean;
  /** One pooled float32 vector of length hiddenSize per requested layer, in request order. */
  pooled: Float32Array[];
}
