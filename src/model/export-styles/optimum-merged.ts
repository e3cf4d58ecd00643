/**
 * Older Hugging Face Optimum exports (`decoder_model_merged.onnx`) hold the decoder twice inside one If node on a
 * bool `use_cache_branch` input: then_branch for passes with a KV cache, else_branch for the first pass. The
 * residual stream then lives inside the branches, out of reach of the hook search and the capture edit, which
 * work on the top-level graph. Capture only ever runs the first pass, so the else_branch is inlined, and the
 * inlined decoder is an ordinary optimum graph. The unedited file is fed use_cache_branch = false. Generation needs
 * passes with a cache too, so for it the then_branch is inlined instead and fed an empty cache on the prefill (one
 * session serves both kinds of pass; the weights are loaded once).
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import { makeNode, type GraphProto, type ModelProto, type NodeProto } from '../onnx-graph.js';
import type { ExportStyle } from './export-style.js';
import { locateOptimumFinalNorm, locateOptimumHooks } from './optimum.js';

export const USE_CACHE_BRANCH = 'use_cache_branch';

export const optimumMergedExportStyle: ExportStyle = {
  name: 'optimum-merged',
  description: 'optimum merged decoder (If on use_cache_branch; prefill branch inlined)',
  normalise: (model: ModelProto): ModelProto | null => (model.graph && findUseCacheIf(model.graph) ? inlineBranch(model, 'else_branch') : null),
  normaliseForGeneration: (model: ModelProto): ModelProto | null =>
    model.graph && findUseCacheIf(model.graph) ? inlineBranch(model, 'then_branch') : null,
  // Once inlined, the decoder is an ordinary optimum graph.
  locate: locateOptimumHooks,
  locateFinalNorm: locateOptimumFinalNorm,
  feed: (input: InferenceSession.ValueMetadata): Tensor | null =>
    input.name === USE_CACHE_BRANCH && input.isTensor && input.type === 'bool' ? new Tensor('bool', [false], [1]) : null,
};

/** The top-level If whose condition is the `use_cache_branch` graph input; null for every other graph. */
export function findUseCacheIf(graph: GraphProto): NodeProto | null {
  if (!graph.input.some((input) => input.name === USE_CACHE_BRANCH)) return null;
  return graph.node.find((node) => node.opType === 'If' && node.input[0] === USE_CACHE_BRANCH) ?? null;
}

/** The prefill decoder: the If replaced by its else_branch (see inlineBranch). */
export function inlinePrefillBranch(model: ModelProto): ModelProto {
  return inlineBranch(model, 'else_branch');
}

/**
 * A copy of `model` whose If on use_cache_branch is replaced by one branch (the else_branch, the prefill pass; or
 * the then_branch for generation): the branch's nodes take the If's place, its initializers and value_info join the
 * graph, its outputs are renamed to the If's outputs, and names it reads from the outer scope stay as they are. The
 * use_cache_branch input is dropped when nothing else reads it. Weights are shared with `model`, never copied.
 */
export function inlineBranch(model: ModelProto, branchName: 'else_branch' | 'then_branch'): ModelProto {
  const graph = model.graph;
  const ifNode = graph ? findUseCacheIf(graph) : null;
  if (!graph || !ifNode) {
    throw new ModelError(`The graph has no If node on a ${USE_CACHE_BRANCH} input; it is not an Optimum merged decoder.`, {
      tensor: USE_CACHE_BRANCH,
    });
  }
  const branch = ifNode.attribute.find((attribute) => attribute.name === branchName)?.g;
  if (!branch) {
    const role = branchName === 'else_branch' ? 'the first-pass decoder' : 'the decoder with a KV cache';
    throw new ModelError(`The If node "${ifNode.name}" on ${USE_CACHE_BRANCH} has no ${branchName} (${role}).`, {
      tensor: USE_CACHE_BRANCH,
    });
  }
  if (branch.output.length !== ifNode.output.length) {
    throw new ModelError(
      `The first-pass branch of If node "${ifNode.name}" has ${branch.output.length} outputs but the If has ${ifNode.output.length}.`,
      { tensor: USE_CACHE_BRANCH },
    );
  }
  checkNoShadowing(graph, branch, ifNode);
  const { renames, identities } = outputRenames(branch, ifNode);
  const rename = (name: string): string => renames.get(name) ?? name;
  const inlined = [...branch.node.map((node) => renameNode(node, rename)), ...identities];
  const at = graph.node.indexOf(ifNode);
  const node = [...graph.node.slice(0, at), ...inlined, ...graph.node.slice(at + 1)];
  const stillRead = node.some((other) => readsOf(other).includes(USE_CACHE_BRANCH));
  const outputs = new Set(graph.output.map((output) => output.name));
  return {
    ...model,
    graph: {
      ...graph,
      node,
      input: stillRead ? graph.input : graph.input.filter((input) => input.name !== USE_CACHE_BRANCH),
      initializer: [...graph.initializer, ...branch.initializer],
      sparseInitializer: [...graph.sparseInitializer, ...branch.sparseInitializer],
      valueInfo: [
        ...graph.valueInfo,
        ...branch.valueInfo.map((info) => ({ ...info, name: rename(info.name) })).filter((info) => !outputs.has(info.name)),
      ],
    },
  };
}

/**
 * How the branch's outputs become the If's: a tensor a branch node produces is renamed at its source; an output
 * the branch passes through (an outer name, an initializer) or lists twice gets an Identity instead.
 */
function outputRenames(branch: GraphProto, ifNode: NodeProto): { renames: Map<string, string>; identities: NodeProto[] } {
  const produced = new Set(branch.node.flatMap((node) => node.output.filter((output) => output)));
  const renames = new Map<string, string>();
  const identities: NodeProto[] = [];
  branch.output.forEach((output, at) => {
    const target = ifNode.output[at];
    if (!target) return;
    if (produced.has(output.name) && !renames.has(output.name)) {
      renames.set(output.name, target);
      return;
    }
    const source = renames.get(output.name) ?? output.name;
    identities.push(makeNode({ opType: 'Identity', name: `${ifNode.name}/inlined/${target}`, inputs: [source], outputs: [target] }));
  });
  return { renames, identities };
}

/** ONNX forbids a subgraph to redefine an outer name; a graph that does anyway cannot be flattened safely. */
function checkNoShadowing(graph: GraphProto, branch: GraphProto, ifNode: NodeProto): void {
  const outer = new Set([
    ...graph.input.map((input) => input.name),
    ...graph.initializer.map((tensor) => tensor.name),
    ...graph.node.filter((node) => node !== ifNode).flatMap((node) => node.output),
  ]);
  const defined = [...branch.initializer.map((tensor) => tensor.name), ...branch.node.flatMap((node) => node.output)];
  const clash = defined.find((name) => name && outer.has(name));
  if (clash) {
    throw new ModelError(
      `The first-pass branch of If node "${ifNode.name}" defines "${clash}", a name the outer graph already uses; cannot inline it.`,
      { tensor: clash },
    );
  }
}

/** The node with `rename` applied to its inputs, outputs and every name read inside its own subgraphs. */
function renameNode(node: NodeProto, rename: (name: string) => string): NodeProto {
  return {
    ...node,
    input: node.input.map(rename),
    output: node.output.map(rename),
    attribute: node.attribute.map((attribute) => ({
      ...attribute,
      ...(attribute.g ? { g: renameGraphReads(attribute.g, rename) } : {}),
      graphs: attribute.graphs.map((g) => renameGraphReads(g, rename)),
    })),
  };
}

function renameGraphReads(graph: GraphProto, rename: (name: string) => string): GraphProto {
  return { ...graph, node: graph.node.map((node) => renameNode(node, rename)) };
}

/** Names a node reads, including those read inside its If/Loop/Scan bodies. */
function readsOf(node: NodeProto): string[] {
  const subgraphs = node.attribute.flatMap((attribute) => [...(attribute.g ? [attribute.g] : []), ...attribute.graphs]);
  return [...node.input, ...subgraphs.flatMap((graph) => graph.node.flatMap(readsOf))];
}
