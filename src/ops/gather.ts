import { attrInt } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';
import { ints, layer } from '../ncnn/model.js';
import { emitReshape } from './reshape.js';
import { ncnnAxis, normAxis, type OpHandler } from './op-handler.js';
import { range, takeBlock } from './nd.js';

/** Gather with a constant index: folded on constants, Crop (+ Reshape to drop the axis) otherwise. */
export const gather: OpHandler = {
  ops: ['Gather'],
  inferShapes(node, ctx) {
    const s = ctx.inShape(node, 0);
    const idx = ctx.inShape(node, 1);
    const axis = normAxis(attrInt(node, 'axis', 0), s.length);
    return [[...s.slice(0, axis), ...idx, ...s.slice(axis + 1)]];
  },
  evaluate(node, [x, idx], ctx) {
    const axis = normAxis(attrInt(node, 'axis', 0), x!.dims.length);
    const dim = x!.dims[axis]!;
    const picked = idx!.numbers().map((i) => (i < 0 ? i + dim : i));
    const pick = x!.dims.map((d, a) => (a === axis ? picked : range(0, d)));
    return [ConstTensor.fromNumbers(x!.dtype, this.inferShapes(node, ctx)[0]!, takeBlock(x!.numbers(), x!.dims, pick))];
  },
  lower(node, ctx) {
    const idx = ctx.inConst(node, 1);
    if (!idx) return ctx.fail(node, 'index is not constant', 'only Gather with a constant index maps to ncnn');
    const s = ctx.inShape(node, 0);
    const axis = normAxis(attrInt(node, 'axis', 0), s.length);
    const dim = s[axis]!;
    const picked = idx.numbers().map((i) => (i < 0 ? i + dim : i));
    const contiguous = picked.every((v, i) => v === picked[0]! + i);
    if (!contiguous || picked.length === 0) return ctx.fail(node, 'index is not a contiguous range; ncnn Crop cannot express it');
    const a = ncnnAxis(axis, s.length, node, ctx);
    const cropped = idx.dims.length === 0 ? ctx.fresh(`${node.name}_crop`) : ctx.blobOf(node.outputs[0]!);
    ctx.emit(
      layer('Crop', idx.dims.length === 0 ? cropped : node.name, [ctx.blob(node, 0)], [cropped], [
        [9, ints([picked[0]!])], [10, ints([picked[picked.length - 1]! + 1])], [11, ints([a])],
      ]),
    );
    // A scalar index removes the axis.
    if (idx.dims.length === 0) emitReshape(ctx, node, cropped, ctx.outShape(node, 0));
  },
};
