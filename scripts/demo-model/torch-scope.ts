/**
 * Emits ONNX nodes named the way torch.onnx names them: `<module scope>/<OpType>[_k]`, where k counts earlier
 * nodes of the same type in the same scope, and outputs `<node name>_output_<j>`.
 */
import type { AttributeProto, NodeProto } from '../../src/model/onnx-graph.js';
import { int64Tensor, makeNode } from '../../src/model/onnx-graph.js';
import { float32Tensor, tensorAttr } from './onnx-tensors.js';

export class NodeSink {
  readonly nodes: NodeProto[] = [];
  private readonly counters = new Map<string, number>();

  root(): TorchScope {
    return new TorchScope(this, '');
  }

  /** Reserves the next torch-style name for an op in a scope. */
  nextName(prefix: string, opType: string): string {
    const key = `${prefix}/${opType}`;
    const count = this.counters.get(key) ?? 0;
    this.counters.set(key, count + 1);
    return count === 0 ? key : `${key}_${count}`;
  }
}

export class TorchScope {
  constructor(
    private readonly sink: NodeSink,
    readonly prefix: string,
  ) {}

  child(name: string): TorchScope {
    return new TorchScope(this.sink, `${this.prefix}/${name}`);
  }

  /** Adds a node with one output and returns the output's name (`outputName` names a graph output). */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: readonly AttributeProto[] = [],
    outputName?: string,
  ): string {
    const name = this.sink.nextName(this.prefix, opType);
    const output = outputName ?? `${name}_output_0`;
    this.sink.nodes.push(makeNode({ opType, name, inputs, outputs: [output], attributes }));
    return output;
  }

  /**
   * A node with a fixed name `<scope>/<localName>` and chosen output slots, each named `<scope>/output_<j>` the
   * way the onnxruntime-genai builder names its fused norms; unused lower slots stay empty. `outputNames` gives
   * some slots fixed names instead (graph outputs such as present.N.key). Returns the names.
   */
  named(spec: {
    localName: string;
    opType: string;
    inputs: readonly string[];
    outputSlots: readonly number[];
    outputNames?: Readonly<Record<number, string>>;
    attributes?: readonly AttributeProto[];
    domain?: string;
  }): string[] {
    const outputs = Array.from({ length: Math.max(...spec.outputSlots) + 1 }, (_, slot) =>
      spec.outputSlots.includes(slot) ? (spec.outputNames?.[slot] ?? `${this.prefix}/output_${slot}`) : '',
    );
    const node = makeNode({
      opType: spec.opType,
      name: `${this.prefix}/${spec.localName}`,
      inputs: spec.inputs,
      outputs,
      attributes: spec.attributes ?? [],
      ...(spec.domain === undefined ? {} : { domain: spec.domain }),
    });
    this.sink.nodes.push(node);
    return outputs;
  }

  /** Adds a node in a non-default operator domain (e.g. com.microsoft) with one output. */
  opIn(domain: string, opType: string, inputs: readonly string[], attributes: readonly AttributeProto[] = []): string {
    const name = this.sink.nextName(this.prefix, opType);
    const output = `${name}_output_0`;
    this.sink.nodes.push(makeNode({ opType, name, inputs, outputs: [output], attributes, domain }));
    return output;
  }

  /** A 0-d float32 Constant node. */
  float(value: number): string {
    return this.op('Constant', [], [tensorAttr('value', float32Tensor('', [], [value]))]);
  }

  /** A 0-d int64 Constant node. */
  int(value: number): string {
    return this.op('Constant', [], [tensorAttr('value', int64Tensor('', [], [value]))]);
  }

  /** A 1-d int64 Constant node (shapes, axes, slice bounds). */
  ints(values: readonly (number | bigint)[]): string {
    return this.op('Constant', [], [tensorAttr('value', int64Tensor('', [values.length], values))]);
  }
}
