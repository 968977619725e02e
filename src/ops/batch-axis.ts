import type { IrNode } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { int, layer, type ParamValue } from '../ncnn/model.js';
import type { LowerContext } from './op-handler.js';

/**
 * ncnn blobs hold one sample and have no batch axis. Every value of a batch-1 graph is
 * tracked with the axis of its ONNX shape that its ncnn blob leaves out as "the batch"
 * (a size-1 axis, usually 0 but wherever Transpose/Reshape/Squeeze moved it), or null when
 * the blob keeps every ONNX axis. These helpers translate shapes and axes between the two.
 */
export type BatchAxis = number | null;

/** The ncnn blob's dims (outermost first) of a value with ONNX `shape` and batch axis `b`. */
export function ncnnDims(shape: Shape, b: BatchAxis): Shape {
  const d = b === null ? [...shape] : shape.filter((_, i) => i !== b);
  return d.length ? d : [1];
}

/** ncnn axis (outermost = 0) of ONNX axis `a` (normalised), or 'batch' when it is the batch. */
export function axisWithout(a: number, b: BatchAxis): number | 'batch' {
  if (b === null || a < b) return a;
  return a === b ? 'batch' : a - 1;
}

/** Where the batch axis lands when axes `removed` (ONNX, normalised) disappear. */
export function batchAfterRemoving(b: BatchAxis, removed: number[]): BatchAxis {
  if (b === null || removed.includes(b)) return null;
  return b - removed.filter((r) => r < b).length;
}

/** An ncnn Reshape to `dims` (outermost first; at most 4). */
export function emitNcnnReshape(ctx: LowerContext, node: IrNode, name: string, input: string, output: string, dims: Shape): void {
  if (dims.length > 4) return ctx.fail(node, `needs a ${dims.length}-D blob; ncnn blobs have at most 4 dims`);
  const rev = [...dims].reverse();
  const ids = rev.length === 4 ? [0, 1, 11, 2] : [0, 1, 2];
  const params: Array<[number, ParamValue]> = rev.map((d, i) => [ids[i]!, int(d)]);
  ctx.emit(layer('Reshape', name, [input], [output], params));
}

const sameDims = (a: Shape, b: Shape) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The blob of a value re-laid out from batch axis `from` to `to` (a Reshape when the ncnn
 * dims differ; the same blob when they do not). `to` must name a size-1 axis.
 */
export function relayout(ctx: LowerContext, node: IrNode, blob: string, shape: Shape, from: BatchAxis, to: BatchAxis): string {
  if (to !== null && shape[to] !== 1) {
    return ctx.fail(node, `axis ${to} of shape ${JSON.stringify(shape)} cannot be the batch axis (batch 1 only)`);
  }
  const want = ncnnDims(shape, to);
  if (sameDims(ncnnDims(shape, from), want)) return blob;
  const out = ctx.fresh(`${blob}_b${to === null ? 'x' : to}`);
  emitNcnnReshape(ctx, node, out, blob, out, want);
  return out;
}

/**
 * A batch axis for a value of `shape` whose layout may be chosen freely (a Reshape's
 * result): axis 0 when it is 1 (what every batch-first layer expects), else no batch axis
 * when the blob fits in 4 dims, else the first size-1 axis.
 */
export function chooseBatch(shape: Shape): BatchAxis {
  if (shape[0] === 1 && shape.length > 1) return 0;
  if (shape.length <= 4) return null;
  const one = shape.indexOf(1);
  return one >= 0 ? one : null;
}
