import { attrInt, type IrNode } from '../ir/graph.js';
import { numel, type Shape } from '../ir/tensor.js';
import { int, layer, type ParamValue } from '../ncnn/model.js';
import { chooseBatch, emitNcnnReshape, ncnnDims } from './batch-axis.js';
import type { LowerContext, OpHandler } from './op-handler.js';

/** Resolves a Reshape target (0 = copy, -1 = infer) against the input shape. */
export function reshapeTarget(input: Shape, target: number[], allowZero: boolean): Shape {
  const out = target.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const inferred = out.indexOf(-1);
  if (inferred >= 0) out[inferred] = numel(input) / known;
  if (numel(out) !== numel(input) || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`cannot reshape ${JSON.stringify(input)} to ${JSON.stringify(target)}`);
  }
  return out;
}

/**
 * Emits an ncnn Reshape to `out` (ONNX dims incl. batch). ncnn dims are listed w first:
 * 0=w 1=h 11=d 2=c.
 */
export function emitReshape(ctx: LowerContext, node: IrNode, input: string, out: Shape, name = node.name, output = ctx.blobOf(node.outputs[0]!)): void {
  if (out[0] !== 1) return ctx.fail(node, `result ${JSON.stringify(out)} does not keep batch 1 first; ncnn has no batch axis`);
  const rev = out.slice(1).reverse();
  if (rev.length === 0 || rev.length > 4) return ctx.fail(node, `result rank ${out.length} is not supported by ncnn`);
  const ids = rev.length === 4 ? [0, 1, 11, 2] : [0, 1, 2];
  const params: Array<[number, ParamValue]> = rev.map((d, i) => [ids[i]!, int(d)]);
  ctx.emit(layer('Reshape', name, [input], [output], params));
}

/**
 * Any reshape of an activation (Reshape, Flatten, Squeeze, Unsqueeze): with batch 1 the
 * data order never changes, so the batch axis of the result may be chosen (chooseBatch)
 * and one ncnn Reshape writes the blob in that layout; [1, N] is a Flatten.
 */
export function lowerReshapeLike(node: IrNode, ctx: LowerContext): void {
  const out = ctx.outShape(node, 0);
  const output = ctx.blobOf(node.outputs[0]!);
  if (out.length === 2 && out[0] === 1) {
    // [1, N]: a flatten, which ncnn expresses best as Flatten (handles channel padding).
    ctx.emit(layer('Flatten', node.name, [ctx.blobAsIs(node, 0)], [output]));
    return;
  }
  const b = chooseBatch(out);
  ctx.setBatchAxis(node.outputs[0]!, b);
  const dims = ncnnDims(out, b);
  if (dims.length > 4) return ctx.fail(node, `result ${JSON.stringify(out)} needs a ${dims.length}-D blob; ncnn blobs have at most 4 dims`);
  emitNcnnReshape(ctx, node, node.name, ctx.blobAsIs(node, 0), output, dims);
}

export const reshape: OpHandler = {
  ops: ['Reshape'],
  inferShapes(node, ctx) {
    const t = ctx.inConst(node, 1);
    if (!t) throw new Error('target shape is not constant (even after folding the Shape chain)');
    return [reshapeTarget(ctx.inShape(node, 0), t.numbers(), attrInt(node, 'allowzero', 0) === 1)];
  },
  evaluate(node, [x], ctx) {
    return [x!.reshaped(this.inferShapes(node, ctx)[0]!)];
  },
  lower(node, ctx) {
    lowerReshapeLike(node, ctx);
  },
};

export const flatten: OpHandler = {
  ops: ['Flatten'],
  inferShapes(node, ctx) {
    const s = ctx.inShape(node, 0);
    const axis = attrInt(node, 'axis', 1);
    const a = axis < 0 ? axis + s.length : axis;
    return [[numel(s.slice(0, a)), numel(s.slice(a))]];
  },
  evaluate(node, [x], ctx) {
    return [x!.reshaped(this.inferShapes(node, ctx)[0]!)];
  },
  lower(node, ctx) {
    lowerReshapeLike(node, ctx);
  },
};
