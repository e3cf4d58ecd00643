/**
 * Autoregressive decoding on an edited decoder graph that outputs next-token logits for each row's last real token
 * and (when the graph has a KV cache) its present.* tensors: one prefill pass over the prompts, then one token per
 * row per pass, the presents fed back as the next pass's past. Finished rows leave the batch (their cache rows are
 * dropped), so the others go on alone.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { NEXT_LOGITS_OUTPUT } from './capture-graph.js';
import type { EmbeddingStage } from './embedding-stage.js';
import { ModelError } from './errors.js';
import type { ModelConfig } from './model-dir.js';
import { passFeeds, type PassRows } from './session.js';
import { argmax, sampleToken, type SamplingSettings } from './token-choice.js';

/**
 * How rows of different lengths share a pass. `left`: left padding with explicit position_ids (exact for plain
 * attention, sliding windows included); `right`: right padding, for GroupQueryAttention graphs, which read only each
 * row's token count (seqlens) from the mask; `none`: the graph takes no position_ids, so only rows of equal length
 * share a pass.
 */
export type PaddingSide = 'left' | 'right' | 'none';

export type StopReason = 'eos' | 'stop_string' | 'max_new_tokens';

/** What the decoding loop needs of an open generation graph. */
export interface DecodeGraph {
  session: InferenceSession;
  config: ModelConfig;
  embedding: EmbeddingStage | null;
  /** Each past input and the present output that feeds it next time; null: no KV cache (every pass recomputes). */
  cache: ReadonlyMap<string, string> | null;
  padding: PaddingSide;
  /** Pooled capture outputs read from the prefill pass, in layer order. */
  pooledOutputs: readonly string[];
  hiddenSize: number;
}

export interface DecodeRow {
  /** The prompt's token ids (already truncated). */
  ids: number[];
  /** Draws from [0, 1) for sampling; unused by greedy decoding. */
  random: (() => number) | null;
}

export interface DecodeSettings {
  maxNewTokens: number;
  /** null: greedy. */
  sampling: SamplingSettings | null;
  stopTokenIds: ReadonlySet<number>;
  stopStrings: readonly string[];
  /** Text of generated ids (special tokens left out), to find stop strings. */
  decode: (ids: readonly number[]) => string;
  /** false: no KV cache even when the graph has one (every pass recomputes the whole sequence). */
  useCache: boolean;
}

export interface DecodedRow {
  /** Generated ids, the stopping EOS included. */
  tokenIds: number[];
  stopReason: StopReason;
  /** The prefill pass's pooled vectors, one per captured layer. */
  pooled: Float32Array[];
}

interface ActiveRow {
  at: number;
  ids: number[];
  generated: number[];
  /** Mask over the cache columns so far (cached passes only). */
  mask: number[];
}

/** Decodes rows that share passes (the caller keeps batches small enough for memory). */
export async function decodeRows(graph: DecodeGraph, rows: readonly DecodeRow[], settings: DecodeSettings): Promise<DecodedRow[]> {
  const results: DecodedRow[] = rows.map(() => ({ tokenIds: [], stopReason: 'max_new_tokens', pooled: [] }));
  let active: ActiveRow[] = rows.map((row, at) => ({ at, ids: row.ids, generated: [], mask: [] }));
  const cache = settings.useCache ? graph.cache : null;
  let past: Record<string, Tensor> = {};
  let first = true;
  while (active.length > 0) {
    const pass = first || cache === null ? fullPass(active, graph.padding) : stepPass(active, graph.padding);
    const fetches = [NEXT_LOGITS_OUTPUT, ...(cache === null ? [] : cache.values()), ...(first ? graph.pooledOutputs : [])];
    const provided: Record<string, Tensor> = cache === null || first ? {} : { ...past };
    if (graph.embedding) provided['inputs_embeds'] = await graph.embedding.embed(pass.ids);
    const outputs = await graph.session.run(passFeeds(graph.session, pass, graph.config, provided), fetches);
    if (first) readPooled(graph, outputs, active, results);
    const logits = outputs[NEXT_LOGITS_OUTPUT];
    if (!logits || !(logits.data instanceof Float32Array) || logits.dims.length !== 2 || logits.dims[0] !== active.length) {
      throw new ModelError(`The generation graph returned no float32 [${active.length}, vocab] ${NEXT_LOGITS_OUTPUT} tensor.`, {
        tensor: NEXT_LOGITS_OUTPUT,
      });
    }
    const vocab = logits.dims[1] as number;
    const keep: number[] = [];
    active.forEach((row, position) => {
      const random = rows[row.at]?.random ?? null;
      const token =
        settings.sampling === null || random === null
          ? argmax(logits.data as Float32Array, position * vocab, vocab)
          : sampleToken(logits.data as Float32Array, position * vocab, vocab, settings.sampling, random());
      row.generated.push(token);
      if (cache !== null) row.mask = first ? [...(pass.mask[position] as number[])] : row.mask;
      const reason = stopReason(row.generated, settings);
      const result = results[row.at] as DecodedRow;
      result.tokenIds = [...row.generated];
      if (reason === null) keep.push(position);
      else result.stopReason = reason;
    });
    if (cache !== null) past = nextPast(outputs, cache, keep, active.length);
    active = keep.map((position) => active[position] as ActiveRow);
    first = false;
  }
  return results;
}

/** Why a row stops after its latest token, or null when it goes on. */
function stopReason(generated: readonly number[], settings: DecodeSettings): StopReason | null {
  if (settings.stopTokenIds.has(generated[generated.length - 1] as number)) return 'eos';
  if (settings.stopStrings.length > 0) {
    const text = settings.decode(generated);
    if (settings.stopStrings.some((stop) => text.includes(stop))) return 'stop_string';
  }
  return generated.length >= settings.maxNewTokens ? 'max_new_tokens' : null;
}

/**
 * A pass over each row's whole sequence (prompt and tokens so far), padded to the longest on the graph's side, with
 * an empty cache: the prefill, or every pass of a model without a KV cache.
 */
function fullPass(active: readonly ActiveRow[], padding: PaddingSide): PassRows {
  const sequences = active.map((row) => [...row.ids, ...row.generated]);
  const seq = Math.max(...sequences.map((ids) => ids.length));
  if (padding === 'none' && sequences.some((ids) => ids.length !== seq)) {
    throw new ModelError('This graph takes no position_ids, so rows of different lengths cannot share a pass.');
  }
  const rows = sequences.map((ids) => {
    const pad = seq - ids.length;
    const real = ids.map((_, at) => at);
    return padding === 'left'
      ? { ids: [...new Array<number>(pad).fill(0), ...ids], mask: [...new Array<number>(pad).fill(0), ...ids.map(() => 1)], positions: [...new Array<number>(pad).fill(0), ...real] }
      : { ids: [...ids, ...new Array<number>(pad).fill(0)], mask: [...ids.map(() => 1), ...new Array<number>(pad).fill(0)], positions: Array.from({ length: seq }, (_, at) => at) };
  });
  return { ids: rows.map((row) => row.ids), mask: rows.map((row) => row.mask), positions: rows.map((row) => row.positions) };
}

/**
 * One new token per row after a cached pass. Each row's mask grows by one column for the new token; a right-padded
 * (GroupQueryAttention) cache is compact per row, so its mask is the row's token count in ones, then zeros.
 */
function stepPass(active: readonly ActiveRow[], padding: PaddingSide): PassRows {
  const rows = active.map((row) => {
    const count = row.ids.length + row.generated.length;
    const width = row.mask.length + 1;
    row.mask = padding === 'right' ? Array.from({ length: width }, (_, at) => (at < count ? 1 : 0)) : [...row.mask, 1];
    return { ids: [row.generated[row.generated.length - 1] as number], mask: row.mask, positions: [count - 1] };
  });
  return { ids: rows.map((row) => row.ids), mask: rows.map((row) => row.mask), positions: rows.map((row) => row.positions) };
}

function readPooled(
  graph: DecodeGraph,
  outputs: InferenceSession.OnnxValueMapType,
  active: readonly ActiveRow[],
  results: DecodedRow[],
): void {
  const width = graph.hiddenSize;
  const perLayer = graph.pooledOutputs.map((name) => {
    const output = outputs[name];
    if (!output || !(output.data instanceof Float32Array) || output.data.length !== active.length * width) {
      throw new ModelError(`The generation graph returned no float32 [${active.length}, ${width}] tensor for ${name}.`, { tensor: name });
    }
    return output.data;
  });
  active.forEach((row, position) => {
    (results[row.at] as DecodedRow).pooled = perLayer.map((data) => data.slice(position * width, (position + 1) * width));
  });
}

/** The presents as the next pass's past, keeping only the rows still decoding. */
function nextPast(
  outputs: InferenceSession.OnnxValueMapType,
  cache: ReadonlyMap<string, string>,
  keep: readonly number[],
  batch: number,
): Record<string, Tensor> {
  const past: Record<string, Tensor> = {};
  for (const [pastName, presentName] of cache) {
    const present = outputs[presentName];
    if (!present) throw new ModelError(`The generation graph returned no ${presentName} tensor.`, { tensor: presentName });
    past[pastName] = keep.length === batch ? present : keepRows(present, keep);
  }
  return past;
}

function keepRows(tensor: Tensor, keep: readonly number[]): Tensor {
  const data = tensor.data as Float32Array | Uint16Array;
  const rowSize = data.length / (tensor.dims[0] as number);
  const kept = new (data.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(rowSize * keep.length);
  keep.forEach((row, at) => kept.set(data.subarray(row * rowSize, (row + 1) * rowSize), at * rowSize));
  return new Tensor(tensor.type as 'float32' | 'float16', kept, [keep.length, ...tensor.dims.slice(1)]);
}
