import { InferenceSession, Tensor } from 'onnxruntime-node';
import { cudaProviderInstalled } from './cuda-provider.js';
import { ModelError } from './errors.js';
import { styleFeed } from './export-styles/registry.js';
import type { ModelConfig } from './model-dir.js';
import type { ExecutionProviderName } from './types.js';

export type DeviceChoice = 'auto' | 'cuda' | 'cpu';

export interface SessionRequest {
  device: DeviceChoice;
  deviceId?: number;
  intraOpThreads?: number | null;
  interOpThreads?: number | null;
  /** Folder the graph's external data `location`s are relative to (the model directory). */
  externalDataDir: string;
}

export interface OpenedSession {
  session: InferenceSession;
  executionProvider: ExecutionProviderName;
  /** Why the provider differs from the one asked for; null when it is the one asked for. */
  executionProviderNote: string | null;
}

/**
 * Create an onnxruntime session for `graph` (the ONNX bytes). auto and cuda try CUDA first; ORT does not fall back
 * by itself (['cuda','cpu'] throws when CUDA cannot load), so a failed CUDA start is retried on CPU and noted.
 */
export async function openSession(graph: Uint8Array, request: SessionRequest): Promise<OpenedSession> {
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    // Warnings (e.g. float16 nodes the optimizer cannot constant-fold) are noise to researchers; errors still show.
    logSeverityLevel: 3,
    // Loading from bytes resolves external data against the process CWD unless this folder is given.
    extra: { session: { model_external_initializers_file_folder_path: request.externalDataDir } },
    ...(request.intraOpThreads ? { intraOpNumThreads: request.intraOpThreads } : {}),
    ...(request.interOpThreads ? { interOpNumThreads: request.interOpThreads } : {}),
  };
  let note: string | null = null;
  if (request.device === 'auto' && !cudaProviderInstalled()) {
    note = 'CUDA provider files are not installed (run `npm run install-cuda` on a GPU workstation); running on CPU.';
  } else if (request.device !== 'cpu') {
    try {
      const session = await InferenceSession.create(graph, {
        ...base,
        executionProviders: [{ name: 'cuda', deviceId: request.deviceId ?? 0 }],
      });
      return { session, executionProvider: 'cuda', executionProviderNote: null };
    } catch (err) {
      const reason = firstLine(err);
      note =
        request.device === 'cuda'
          ? `CUDA was requested but could not start (${reason}); running on CPU instead.`
          : `CUDA is not available (${reason}); running on CPU.`;
    }
  }
  try {
    const session = await InferenceSession.create(graph, { ...base, executionProviders: ['cpu'] });
    return { session, executionProvider: 'cpu', executionProviderNote: note };
  } catch (err) {
    throw new ModelError(
      `onnxruntime cannot load the model: ${firstLine(err)}`,
      { dir: request.externalDataDir },
      { cause: err },
    );
  }
}

const PAST_INPUT = /^past_key_values\.|^past\./;

/** One forward pass over a batch: per row, the ids fed now, their positions, and the mask over cache + new tokens. */
export interface PassRows {
  /** [batch][seq] token ids of this pass (pads: 0). */
  ids: number[][];
  /** [batch][past + seq] attention mask: 1 for real tokens (cached or new), 0 for pads. */
  mask: number[][];
  /** [batch][seq] position ids of this pass's tokens. */
  positions: number[][];
}

/**
 * Feeds for one prefill pass over right-padded rows: input_ids (pad 0), attention_mask (1 = real token),
 * position_ids (0..n-1), an empty KV cache for every past input the graph has and, for inputs only an export style
 * knows (an unedited Optimum merged decoder's use_cache_branch), that style's value. `provided` feeds (e.g.
 * inputs_embeds from a separate embedding graph) are used as given.
 */
export function prefillFeeds(
  session: InferenceSession,
  rows: number[][],
  config: ModelConfig,
  provided: Record<string, Tensor> = {},
): Record<string, Tensor> {
  const seq = Math.max(0, ...rows.map((row) => row.length));
  const pass: PassRows = {
    ids: rows.map((row) => Array.from({ length: seq }, (_, position) => row[position] ?? 0)),
    mask: rows.map((row) => Array.from({ length: seq }, (_, position) => (position < row.length ? 1 : 0))),
    positions: rows.map(() => Array.from({ length: seq }, (_, position) => position)),
  };
  return passFeeds(session, pass, config, provided);
}

/**
 * Feeds for any pass: the rows' ids, mask and positions, the `provided` tensors (inputs_embeds, a KV cache from the
 * previous pass, ...), an empty KV cache for past inputs not provided, and export-style quirks.
 */
export function passFeeds(
  session: InferenceSession,
  pass: PassRows,
  config: ModelConfig,
  provided: Record<string, Tensor> = {},
): Record<string, Tensor> {
  const batch = pass.ids.length;
  const seq = pass.ids[0]?.length ?? 0;
  if (batch === 0 || seq === 0) throw new ModelError('Nothing to run: the prompt produced no tokens.');
  const width = pass.mask[0]?.length ?? 0;
  const integerGrids: Record<string, () => { values: number[]; dims: number[] }> = {
    input_ids: () => ({ values: pass.ids.flat(), dims: [batch, seq] }),
    attention_mask: () => ({ values: pass.mask.flat(), dims: [batch, width] }),
    position_ids: () => ({ values: pass.positions.flat(), dims: [batch, seq] }),
  };
  const feeds: Record<string, Tensor> = {};
  for (const input of session.inputMetadata) {
    const { name } = input;
    if (!input.isTensor) {
      throw new ModelError(`The graph input ${name} is not a tensor; cannot feed it.`, { tensor: name });
    }
    const integerGrid = integerGrids[name];
    const given = provided[name];
    if (given) feeds[name] = given;
    else if (integerGrid) {
      const { values, dims } = integerGrid();
      feeds[name] = integerTensor(input, values, dims);
    } else if (PAST_INPUT.test(name)) feeds[name] = emptyPast(input, batch, config);
    else {
      const quirk = styleFeed(input);
      if (!quirk) {
        throw new ModelError(
          `The graph needs an input named ${name}, which the workbench cannot fill ` +
            '(it feeds input_ids, attention_mask, position_ids, past_key_values.*, use_cache_branch and inputs_embeds from an embedding graph).',
          { tensor: name },
        );
      }
      feeds[name] = quirk;
    }
  }
  return feeds;
}

function integerTensor(input: InferenceSession.TensorValueMetadata, values: number[], dims: number[]): Tensor {
  if (input.type === 'int64') return new Tensor('int64', BigInt64Array.from(values, BigInt), dims);
  if (input.type === 'int32') return new Tensor('int32', Int32Array.from(values), dims);
  throw new ModelError(`The graph input ${input.name} has type ${input.type}; expected int64 or int32.`, {
    tensor: input.name,
  });
}

/** A zero-length cache [batch, kv_heads, 0, head_dim]; fixed dims come from the graph, symbolic ones from config.json. */
function emptyPast(input: InferenceSession.TensorValueMetadata, batch: number, config: ModelConfig): Tensor {
  const { name, shape } = input;
  if (shape.length !== 4) {
    throw new ModelError(
      `The cache input ${name} has ${shape.length} dimensions; expected [batch, kv_heads, past_seq, head_dim].`,
      { tensor: name },
    );
  }
  const fromConfig = [batch, config.numKeyValueHeads, 0, config.headDim];
  const dims = shape.map((dim, at) => (typeof dim === 'number' && at !== 2 ? dim : (fromConfig[at] ?? null)));
  if (dims.some((dim) => dim === null)) {
    throw new ModelError(
      `Cannot size the cache input ${name}: its shape is [${shape.join(', ')}] and config.json lacks ` +
        'num_key_value_heads/head_dim.',
      { tensor: name },
    );
  }
  const sized = dims as number[];
  if (input.type === 'float32') return new Tensor('float32', new Float32Array(0), sized);
  if (input.type === 'float16') return new Tensor('float16', new Uint16Array(0), sized);
  throw new ModelError(`The cache input ${name} has type ${input.type}; expected float32 or float16.`, { tensor: name });
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]?.trim() ?? message;
}
