import type { ConstTensor, DType, Shape } from './tensor.js';

export type AttrValue = number | number[] | string | string[] | ConstTensor;

/** One ONNX node, with attributes already decoded. */
export interface IrNode {
  op: string;
  /** Node name; the loader gives unnamed nodes a stable name from their first output. */
  name: string;
  /** Input value names; '' is an omitted optional input, as in ONNX. */
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
  domain: string;
}

export interface GraphInput {
  name: string;
  dtype: DType;
  /** Declared dims; null where the model leaves a dim symbolic (dynamic batch). */
  dims: Array<number | null>;
}

/**
 * The converter's graph: ONNX semantics, with constants and inferred shapes alongside.
 * Passes rewrite `nodes` in place and keep it in topological order.
 */
export interface IrGraph {
  nodes: IrNode[];
  inputs: GraphInput[];
  outputs: string[];
  /** Initializers, Constant outputs and folded values, by value name. */
  consts: Map<string, ConstTensor>;
  /** Inferred shapes of non-constant values (batch fixed to 1: ncnn runs one sample). */
  shapes: Map<string, Shape>;
  dtypes: Map<string, DType>;
  metadata: Map<string, string>;
  opset: number;
  /** Where the graph came from, for error messages. */
  source: string;
}

export function attrInt(n: IrNode, name: string, dflt: number): number {
  const v = n.attrs.get(name);
  return typeof v === 'number' ? v : dflt;
}

export function attrFloat(n: IrNode, name: string, dflt: number): number {
  return attrInt(n, name, dflt);
}

export function attrFloats(n: IrNode, name: string): number[] | undefined {
  return attrInts(n, name);
}

export function attrInts(n: IrNode, name: string): number[] | undefined {
  const v = n.attrs.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  return undefined;
}

export function attrString(n: IrNode, name: string, dflt: string): string {
  const v = n.attrs.get(name);
  return typeof v === 'string' ? v : dflt;
}

/** Map value name -> nodes consuming it (graph outputs count as a pseudo-consumer via `isGraphOutput`). */
export function consumers(g: IrGraph): Map<string, IrNode[]> {
  const m = new Map<string, IrNode[]>();
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (!i) continue;
      let l = m.get(i);
      if (!l) m.set(i, (l = []));
      if (!l.includes(n)) l.push(n);
    }
  }
  return m;
}

export function producers(g: IrGraph): Map<string, IrNode> {
  const m = new Map<string, IrNode>();
  for (const n of g.nodes) for (const o of n.outputs) m.set(o, n);
  return m;
}

/** Rewires every use of `from` (node inputs and graph outputs) to `to`. */
export function replaceUses(g: IrGraph, from: string, to: string): void {
  for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
  g.outputs = g.outputs.map((o) => (o === from ? to : o));
}

/**
 * Removes a single-input pass-through node (Identity, Dropout...), keeping the graph output
 * name stable: if the node's output is a graph output, its input is renamed instead.
 */
export function bypassNode(g: IrGraph, node: IrNode, keep = 0): void {
  const src = node.inputs[keep]!;
  const dst = node.outputs[0]!;
  g.nodes.splice(g.nodes.indexOf(node), 1);
  if (g.outputs.includes(dst) && !g.outputs.includes(src) && !g.inputs.some((i) => i.name === src) && !g.consts.has(src)) {
    // Rename the producer's output so the model's output blob keeps its ONNX name.
    for (const n of g.nodes) {
      n.outputs = n.outputs.map((o) => (o === src ? dst : o));
      n.inputs = n.inputs.map((i) => (i === src ? dst : i));
    }
    const s = g.shapes.get(src);
    if (s) g.shapes.set(dst, s);
  } else {
    replaceUses(g, dst, src);
  }
}

/** Shape of any value: constant dims or inferred shape. */
export function shapeOf(g: IrGraph, name: string): Shape | undefined {
  const c = g.consts.get(name);
  return c ? c.dims : g.shapes.get(name);
}
