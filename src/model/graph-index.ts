import type { GraphProto, NodeProto } from 'onnx-buf';

/** Who produces and who consumes each tensor of a graph's top level, for structural searches. */
export class GraphIndex {
  readonly nodes: readonly NodeProto[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly initializers: ReadonlySet<string>;
  /** The shape of each initializer, by name. */
  readonly initializerDims: ReadonlyMap<string, readonly number[]>;
  private readonly producers = new Map<string, NodeProto>();
  private readonly consumers = new Map<string, NodeProto[]>();

  constructor(graph: GraphProto) {
    this.nodes = graph.node;
    this.inputs = graph.input.map((value) => value.name);
    this.outputs = graph.output.map((value) => value.name);
    this.initializers = new Set(graph.initializer.map((tensor) => tensor.name));
    this.initializerDims = new Map(graph.initializer.map((tensor) => [tensor.name, tensor.dims.map(Number)]));
    for (const node of graph.node) {
      for (const output of node.output) if (output) this.producers.set(output, node);
      for (const input of node.input) {
        if (!input) continue;
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
    }
  }

  producerOf(tensor: string): NodeProto | undefined {
    return this.producers.get(tensor);
  }

  consumersOf(tensor: string): readonly NodeProto[] {
    return this.consumers.get(tensor) ?? [];
  }

  /** True when the name is a graph input, an initializer or a node output. */
  hasTensor(name: string): boolean {
    return this.producers.has(name) || this.initializers.has(name) || this.inputs.includes(name);
  }

  /** A short inventory for error messages: node count, top-level scopes, sample node names, inputs, outputs. */
  describe(): string {
    const scopes = [...new Set(this.nodes.map((node) => topLevelScope(node.name)))];
    const samples = this.nodes.slice(0, 5).map((node) => node.name || `(unnamed ${node.opType})`);
    return [
      `${this.nodes.length} nodes`,
      `top-level scopes: ${scopes.slice(0, 12).join(', ') || 'none'}${scopes.length > 12 ? ', ...' : ''}`,
      `first nodes: ${samples.join(', ') || 'none'}`,
      `inputs: ${this.inputs.slice(0, 8).join(', ') || 'none'}${this.inputs.length > 8 ? ', ...' : ''}`,
      `outputs: ${this.outputs.slice(0, 8).join(', ') || 'none'}${this.outputs.length > 8 ? ', ...' : ''}`,
    ].join('; ');
  }
}

/** The module scope of a torch-style node name: `/model/layers.3/mlp/Mul` -> `model/layers.3/mlp`. */
export function nodeScope(nodeName: string): string {
  const segments = nodeName.split('/').filter((segment) => segment.length > 0);
  return segments.slice(0, -1).join('/');
}

/** True when `scope` is `prefix` or nested inside it. */
export function isInScope(scope: string, prefix: string): boolean {
  return scope === prefix || scope.startsWith(`${prefix}/`);
}

function topLevelScope(nodeName: string): string {
  const scope = nodeScope(nodeName);
  return scope === '' ? '(unscoped)' : (scope.split('/')[0] ?? '(unscoped)');
}
