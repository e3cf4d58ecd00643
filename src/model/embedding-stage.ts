/**
 * The embedding half of a split export (transformers.js embed_tokens.onnx, genai's embedding model): turns token
 * ids into the inputs_embeds the decoder takes. Gemma scales embeddings by sqrt(hidden_size); exports put that
 * scale in the embedding graph, but a bare lookup (Gather only) leaves it to the caller, so the host applies it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { ModelError } from './errors.js';
import type { ModelConfig } from './model-dir.js';
import { decodeModel } from './onnx-graph.js';
import { openSession, type SessionRequest } from './session.js';

export interface EmbeddingStage {
  /** inputs_embeds [rows, seq, hidden] for right-padded rows (pad id 0; pads are masked later). */
  embed(rows: number[][]): Promise<Tensor>;
  /** Where Gemma's embedding scale is applied: in the embedding graph, by the host, or not at all (not Gemma). */
  scale: 'in-graph' | 'host' | 'none';
  release(): Promise<void>;
}

const INPUT_IDS = 'input_ids';
const OUTPUT = 'inputs_embeds';
/** Ops that change values after the lookup; a graph with none of them returns raw embedding rows. */
const ARITHMETIC = new Set(['Mul', 'Div', 'MatMul', 'Add']);

export async function openEmbeddingStage(
  embeddingPath: string,
  config: ModelConfig,
  request: Omit<SessionRequest, 'externalDataDir'>,
): Promise<EmbeddingStage> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(embeddingPath);
  } catch (err) {
    throw new ModelError(`Cannot read the embedding graph ${embeddingPath}.`, { file: embeddingPath }, { cause: err });
  }
  const graph = decodeModel(bytes, embeddingPath).graph;
  const scaledInGraph = (graph?.node ?? []).some((node) => ARITHMETIC.has(node.opType));
  const scale = scaledInGraph ? 'in-graph' : config.modelType.startsWith('gemma') ? 'host' : 'none';
  // torch computes Gemma's normalizer as a float32 tensor, so the factor is sqrt rounded to float32.
  const factor = Math.fround(Math.sqrt(config.hiddenSize));
  const { session } = await openSession(bytes, { ...request, externalDataDir: path.dirname(embeddingPath) });
  const outputName = session.outputNames.includes(OUTPUT) ? OUTPUT : session.outputNames[0];
  if (!session.inputNames.includes(INPUT_IDS) || outputName === undefined) {
    await session.release();
    throw new ModelError(`The embedding graph ${embeddingPath} does not take input_ids.`, { file: embeddingPath, tensor: INPUT_IDS });
  }
  return {
    scale,
    async embed(rows) {
      const seq = Math.max(...rows.map((row) => row.length));
      const ids = BigInt64Array.from(rows.flatMap((row) => Array.from({ length: seq }, (_, at) => BigInt(row[at] ?? 0))));
      const feeds: Record<string, Tensor> = { [INPUT_IDS]: new Tensor('int64', ids, [rows.length, seq]) };
      for (const input of session.inputMetadata) {
        if (input.name !== INPUT_IDS) feeds[input.name] = emptyInput(input, embeddingPath);
      }
      const output = (await session.run(feeds, [outputName]))[outputName] as Tensor;
      if (scale !== 'host') return output;
      if (!(output.data instanceof Float32Array)) {
        throw new ModelError(`The embedding graph ${embeddingPath} returns ${output.type}; only float32 can be scaled here.`, {
          file: embeddingPath,
          tensor: outputName,
        });
      }
      return new Tensor('float32', output.data.map((value) => value * factor), output.dims);
    },
    release: () => session.release(),
  };
}

/** Image inputs of a multimodal embedding graph get zero-length tensors: text only. */
function emptyInput(input: InferenceSession.ValueMetadata, file: string): Tensor {
  if (!input.isTensor || (input.type !== 'float32' && input.type !== 'float16')) {
    throw new ModelError(`The embedding graph ${file} needs an input ${input.name} the workbench cannot fill.`, {
      file,
      tensor: input.name,
    });
  }
  const dims = input.shape.map((dim, at) => (at === 0 || typeof dim !== 'number' ? 0 : dim));
  return input.type === 'float32' ? new Tensor('float32', new Float32Array(0), dims) : new Tensor('float16', new Uint16Array(0), dims);
}
