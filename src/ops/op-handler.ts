import type { IrGraph, IrNode } from '../ir/graph.js';
import type { ConstTensor, Shape } from '../ir/tensor.js';
import type { NcnnLayer } from '../ncnn/model.js';

/** What shape inference and constant folding may ask about a node's inputs. */
export interface ShapeContext {
  graph: IrGraph;
  /** Shape of input i; throws a node-naming error when unknown. */
  inShape(node: IrNode, i: number): Shape;
  /** Constant value of input i, if it is a constant. */
  inConst(node: IrNode, i: number): ConstTensor | undefined;
}

/** What lowering to ncnn may use. */
export interface LowerContext extends ShapeContext {
  /**
   * ncnn blob for input i laid out batch-first (ONNX axis 0 left out, a Reshape added when
   * the value's batch axis is elsewhere); constants become MemoryData layers (emitted once).
   */
  blob(node: IrNode, i: number): string;
  /** ncnn blob for input i as it is, for handlers that follow the batch axis (batchAxis). */
  blobAsIs(node: IrNode, i: number): string;
  /** The ONNX axis of a value that its ncnn blob leaves out (null: none); see batch-axis.ts. */
  batchAxis(value: string): number | null;
  /** Records the batch axis of an output written by a batch-following handler (default 0). */
  setBatchAxis(value: string, axis: number | null): void;
  /** Inferred shape of output i. */
  outShape(node: IrNode, i: number): Shape;
  /** ncnn blob for a value by name. */
  blobOf(value: string): string;
  emit(layer: NcnnLayer): void;
  /** A fresh blob/layer name derived from `base`. */
  fresh(base: string): string;
  /** Throws the standard "cannot convert this node" error. */
  fail(node: IrNode, why: string, hint?: string): never;
}

/**
 * Everything edgeface knows about one ONNX op (or a family of ops sharing one mapping):
 * its shape rule, optional evaluation for constant folding, and its ncnn lowering.
 */
export interface OpHandler {
  ops: readonly string[];
  inferShapes(node: IrNode, ctx: ShapeContext): Shape[];
  /** Computes the outputs from constant inputs; present for ops that appear in shape chains. */
  evaluate?(node: IrNode, inputs: Array<ConstTensor | undefined>, ctx: ShapeContext): ConstTensor[];
  lower(node: IrNode, ctx: LowerContext): void;
}

/** ONNX axis (may be negative) of a rank-`rank` tensor -> ncnn axis (batch axis `batch` dropped). */
export function ncnnAxis(
  onnxAxis: number, rank: number, node: IrNode, ctx: { fail(n: IrNode, w: string, hint?: string): never }, batch: number | null = 0,
): number {
  const a = onnxAxis < 0 ? onnxAxis + rank : onnxAxis;
  if (a < 0 || a >= rank) return ctx.fail(node, `axis ${onnxAxis} out of range for rank ${rank}`);
  if (a === batch) return ctx.fail(node, 'operates on the batch axis, which ncnn does not have', 'ncnn runs one sample at a time; keep the batch axis out of the op');
  return batch !== null && a > batch ? a - 1 : a;
}

export const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
