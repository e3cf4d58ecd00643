/** `cotlab-wb inspect`: what the workbench sees in a model folder, without running the model. */
import path from 'node:path';
import type { ValueInfoProto } from 'onnx-buf';
import { modelCapabilities, type ExperimentKind } from './capabilities.js';
import { checkHiddenSize, decoderFor, locateDecoderFinalNorm, locateDecoderHooks, readDecoderGraph } from './decoder-graph.js';
import { ModelError } from './errors.js';
import type { ExposedOutput, FinalNorm } from './export-styles/export-style.js';
import { activationDtype, weightQuantization, type Quantization } from './graph-facts.js';
import { cotlabHookedNorms, describeHookPoint, hookSourceDescription, type HookMap } from './hook-points.js';
import { nodeScope } from './graph-index.js';
import { inspectModelDir } from './model-dir.js';
import { OnnxDataType, opsetVersion } from './onnx-graph.js';
import { loadPromptTokenizer } from './tokenizer.js';
import type { HookPoint } from '../results/capture-points.js';

export interface GraphValue {
  name: string;
  type: string;
  /** Numbers are fixed sizes, strings symbolic ones. */
  shape: (number | string)[];
}

/** The graph tensor of every capture point of one layer; null when that point could not be located. */
export interface LayerHooks extends Record<HookPoint, string | null> {
  layer: number;
}

export interface ModelInspection {
  dir: string;
  /** Files relative to dir. */
  graphFile: string;
  embeddingFile: string | null;
  genaiConfigFile: string | null;
  modelType: string;
  /** The export style that located resid_post (or hook_map), with its description; null when none fits. */
  exportStyle: string | null;
  exportStyleDescription: string | null;
  numLayers: number;
  hiddenSize: number;
  opset: number | null;
  dtype: string;
  quantization: Quantization;
  /** External weight files the graph points at, relative to dir. */
  externalDataFiles: string[];
  inputs: GraphValue[];
  outputs: GraphValue[];
  hooks: LayerHooks[];
  /** Node outputs the capture edit adds (e.g. the genai final norm's residual sum). */
  exposedOutputs: ExposedOutput[];
  /** The final norm after the last layer (what hf_hidden_states' last layer is the output of); null when not found. */
  finalNorm: FinalNorm | null;
  /** Generation, KV cache and logit lens: what the model can do beyond capture, and the experiments it can run. */
  capabilities: InspectedCapabilities;
  /** Why a hook point could not be located, per hook point. */
  problems: string[];
}

export interface InspectedCapabilities {
  lmHead: boolean;
  kvCache: boolean;
  experiments: ExperimentKind[];
  notes: string[];
}

const HOOK_POINTS: readonly HookPoint[] = ['resid_post', 'hf_hidden_states', 'cotlab'];

export function inspectModel(dir: string, hookMap: HookMap | null = null): ModelInspection {
  const modelDir = inspectModelDir(dir);
  // Hooks and weights of a merged decoder are inside its If; inputs and outputs are listed as the file has them.
  const decoder = readDecoderGraph(modelDir.graphPath);
  const fileGraph = decoder.file.graph ?? decoder.graph;
  const { config } = modelDir;
  const hooks: LayerHooks[] = Array.from({ length: config.numLayers }, (_, layer) => ({ layer, resid_post: null, hf_hidden_states: null, cotlab: null }));
  const problems: string[] = [];
  let exportStyle: string | null = null;
  let exposedOutputs: ExposedOutput[] = [];
  for (const hook of HOOK_POINTS) {
    const located = problemOf(hook, problems, () => locateDecoderHooks(decoder, modelDir, hook, hookMap));
    if (located === null) continue;
    located.tensors.forEach((tensor, layer) => {
      const row = hooks[layer];
      if (row) row[hook] = tensor;
    });
    if (hook === 'resid_post') {
      exportStyle = located.source;
      exposedOutputs = located.exposedOutputs ?? [];
    }
  }
  const finalNorm = problemOf('final norm', problems, () => locateDecoderFinalNorm(decoder, modelDir));
  problemOf('config.json', problems, () => checkHiddenSize(decoder, modelDir));
  problemOf('tokenizer', problems, () => loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath));
  const generationForm = modelCapabilities(decoderFor(decoder, 'generation'), modelDir);
  const capabilities: InspectedCapabilities = {
    lmHead: generationForm.head !== null,
    kvCache: generationForm.cache !== null,
    experiments: generationForm.experiments,
    notes: generationForm.notes,
  };
  const relative = (file: string): string => path.relative(modelDir.dir, file);
  return {
    dir: modelDir.dir,
    graphFile: relative(modelDir.graphPath),
    embeddingFile: modelDir.embeddingPath ? relative(modelDir.embeddingPath) : null,
    genaiConfigFile: modelDir.genaiConfigPath ? relative(modelDir.genaiConfigPath) : null,
    modelType: config.modelType,
    exportStyle,
    exportStyleDescription: exportStyle === null ? null : hookSourceDescription(exportStyle),
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    opset: opsetVersion(decoder.file),
    dtype: activationDtype(decoder.file),
    quantization: weightQuantization(decoder.model),
    externalDataFiles: decoder.externalDataFiles.map(relative),
    inputs: fileGraph.input.map(describeValue),
    outputs: fileGraph.output.map(describeValue),
    hooks,
    exposedOutputs,
    finalNorm,
    capabilities,
    problems,
  };
}

/** `check()`'s result; a ModelError it throws becomes a problem line `<what>: <message>` instead. */
function problemOf<T>(what: string, problems: string[], check: () => T): T | null {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    problems.push(`${what}: ${err.message}`);
    return null;
  }
}

function describeValue(value: ValueInfoProto): GraphValue {
  const type = value.type?.value;
  if (type?.case !== 'tensorType') return { name: value.name, type: 'non-tensor', shape: [] };
  const shape = (type.value.shape?.dim ?? []).map((dim) =>
    dim.value.case === 'dimValue' ? Number(dim.value.value) : dim.value.case === 'dimParam' ? dim.value.value : '?',
  );
  return { name: value.name, type: (OnnxDataType[type.value.elemType] ?? String(type.value.elemType)).toLowerCase(), shape };
}

/** The inspection as aligned text for a terminal. */
export function formatInspection(inspection: ModelInspection): string {
  const facts: [string, string][] = [
    ['Model folder', inspection.dir],
    ['Decoder graph', inspection.graphFile],
    ['Embedding graph', inspection.embeddingFile ?? '(none: the decoder embeds input_ids itself)'],
    ['genai_config.json', inspection.genaiConfigFile ? 'yes' : 'no'],
    ['Model type', inspection.modelType],
    ['Export style', inspection.exportStyle ? `${inspection.exportStyle}: ${inspection.exportStyleDescription ?? ''}` : 'not recognised'],
    ['Layers', String(inspection.numLayers)],
    ['Hidden size', String(inspection.hiddenSize)],
    ['Opset', String(inspection.opset ?? 'unknown')],
    ['Activation dtype', inspection.dtype],
    ['Quantization', inspection.quantization.description],
    ['External data', inspection.externalDataFiles.join(', ') || '(none: weights inside the graph file)'],
    ['Final norm', inspection.finalNorm ? describeFinalNorm(inspection.finalNorm) : 'not found'],
    ['Generation', describeGeneration(inspection.capabilities)],
    ['Experiments', inspection.capabilities.experiments.join(', ')],
  ];
  const width = Math.max(...facts.map(([label]) => label.length));
  const lines = facts.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  const values = (list: GraphValue[]): string[] =>
    list.map((value) => `  ${value.name}  ${value.type}[${value.shape.join(', ')}]`);
  lines.push('', `Inputs (${inspection.inputs.length}):`, ...values(inspection.inputs));
  lines.push('', `Outputs (${inspection.outputs.length}):`, ...values(inspection.outputs));
  lines.push('', 'Capture points (experiment.hook):', ...legend(inspection));
  lines.push('', 'Hook tensors:', ...table(inspection));
  for (const exposed of inspection.exposedOutputs) {
    lines.push(`  (the capture adds output ${exposed.outputIndex} "${exposed.tensor}" to node ${exposed.node})`);
  }
  if (inspection.capabilities.notes.length > 0) lines.push('', 'Notes:', ...inspection.capabilities.notes.map((note) => `  ${note}`));
  if (inspection.problems.length > 0) lines.push('', 'Problems:', ...inspection.problems.map((problem) => `  ${problem}`));
  return `${lines.join('\n')}\n`;
}

function describeGeneration(capabilities: InspectedCapabilities): string {
  if (!capabilities.lmHead) return 'no (no LM head found)';
  return capabilities.kvCache ? 'yes, with a KV cache (one token per pass)' : 'yes, without a KV cache (every token recomputes the sequence)';
}

function describeFinalNorm(norm: FinalNorm): string {
  const first = norm.nodes[0] ?? '?';
  const nodes = norm.nodes.length > 1 ? `/${nodeScope(first)}/* (${norm.nodes.length} nodes)` : first;
  const scale = norm.weight === null ? 'scale not found' : `scale ${norm.scalePlusOne ? '1 + ' : ''}${norm.weight}`;
  return `${nodes}; ${scale}; output ${norm.output}`;
}

/** What each capture point is in this model. */
function legend(inspection: ModelInspection): string[] {
  const width = Math.max(...HOOK_POINTS.map((hook) => hook.length));
  return HOOK_POINTS.map((hook) => `  ${hook.padEnd(width)}  ${describeHookPoint(hook, inspection)}`);
}

function table(inspection: ModelInspection): string[] {
  const norms = cotlabHookedNorms(inspection.modelType);
  const cotlabTitle = norms.length === 1 ? `cotlab (${norms[0]} output)` : 'cotlab';
  const rows = [
    ['layer', 'resid_post', 'hf_hidden_states', cotlabTitle],
    ...inspection.hooks.map((row) => [String(row.layer), row.resid_post ?? '-', row.hf_hidden_states ?? '-', row.cotlab ?? '-']),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}`);
}
