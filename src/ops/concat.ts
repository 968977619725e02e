import { attrInt } from '../ir/graph.js';
import { ConstTensor, isFloatType } from '../ir/tensor.js';
import { int, layer } from '../ncnn/model.js';
import { relayout } from './batch-axis.js';
import { ncnnAxis, normAxis, type OpHandler } from './op-handler.js';

export const concat: OpHandler = {
  ops: ['Concat'],
  inferShapes(node, ctx) {
    const shapes = node.inputs.map((_, i) => ctx.inShape(node, i));
    const axis = normAxis(attrInt(node, 'axis', 0), shapes[0]!.length);
    const out = [...shapes[0]!];
    out[axis] = shapes.reduce((a, s) => a + s[axis]!, 0);
    return [out];
  },
  evaluate(node, inputs, ctx) {
    const out = this.inferShapes(node, ctx)[0]!;
    const axis = normAxis(attrInt(node, 'axis', 0), out.length);
    // Gather each input's slabs in output order: iterate outer index, then inputs.
    const outer = out.slice(0, axis).reduce((a, b) => a * b, 1);
    const values: number[] = [];
    const parts = inputs.map((t) => {
      const inner = t!.dims.slice(axis).reduce((a, b) => a * b, 1);
      return { v: t!.numbers(), inner };
    });
    for (let o = 0; o < outer; o++) for (const p of parts) values.push(...p.v.slice(o * p.inner, (o + 1) * p.inner));
    const dtype = inputs.some((t) => isFloatType(t!.dtype)) ? 'float32' : inputs[0]!.dtype;
    return [ConstTensor.fromNumbers(dtype, out, values)];
  },
  /**
   * Inputs sharing one batch axis (not the concat axis) are concatenated as they are;
   * otherwise every input is laid out without a batch axis (the result then has none).
   */
  lower(node, ctx) {
    const rank = ctx.outShape(node, 0).length;
    const a = normAxis(attrInt(node, 'axis', 0), rank);
    const batches = node.inputs.map((v) => ctx.batchAxis(v));
    const shared = batches.every((b) => b === batches[0]) && batches[0] !== a ? batches[0]! : null;
    const ins = node.inputs.map((v, i) =>
      shared === batches[i] ? ctx.blobAsIs(node, i) : relayout(ctx, node, ctx.blobAsIs(node, i), ctx.inShape(node, i), batches[i]!, null),
    );
    if (shared !== 0) ctx.setBatchAxis(node.outputs[0]!, shared);
    const axis = ncnnAxis(a, rank, node, ctx, shared);
    ctx.emit(layer('Concat', node.name, ins, [ctx.blobOf(node.outputs[0]!)], [[0, int(axis)]]));
  },
};
