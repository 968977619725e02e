import { attrInt } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';
import { int, ints, layer } from '../ncnn/model.js';
import { batchAfterRemoving, emitNcnnReshape, ncnnDims } from './batch-axis.js';
import { ncnnAxis, normAxis, type OpHandler } from './op-handler.js';
import { range, takeBlock } from './nd.js';

/** Maximal runs of consecutive indices: [3,4,5,0,1] -> [[3,6],[0,2]] as [start, end). */
function runs(picked: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const i of picked) {
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

/**
 * Gather with a constant index: folded on constants; on activations one Crop per run of
 * consecutive indices (Concat-ed along the axis when there are several), then a Reshape
 * when a scalar index removes the axis.
 */
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
    if (picked.length === 0 || picked.some((i) => i < 0 || i >= dim)) return ctx.fail(node, `index ${JSON.stringify(idx.numbers())} is out of range for axis size ${dim}`);
    if (idx.dims.length > 1) return ctx.fail(node, `a ${idx.dims.length}-D index is not supported (scalar or 1-D only)`);
    const b = ctx.batchAxis(node.inputs[0]!);
    const out = ctx.outShape(node, 0);
    if (axis === b) {
      // Index 0 of the size-1 batch axis: the blob itself; a scalar index leaves no batch axis.
      ctx.setBatchAxis(node.outputs[0]!, idx.dims.length === 0 ? null : b);
      ctx.emit(layer('Noop', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)]));
      return;
    }
    const a = ncnnAxis(axis, s.length, node, ctx, b);
    // A scalar index removes the axis: crop into a temporary, then reshape, unless the
    // result is only the batch axis (ncnn's 1-element 1-D blob is already that).
    const outBatch = idx.dims.length === 0 ? batchAfterRemoving(b, [axis]) : b;
    if (b !== 0) ctx.setBatchAxis(node.outputs[0]!, outBatch);
    const needsReshape = idx.dims.length === 0 && out.length > 1;
    const gathered = needsReshape ? ctx.fresh(`${node.name}_gathered`) : ctx.blobOf(node.outputs[0]!);
    const parts = runs(picked);
    const input = ctx.blobAsIs(node, 0);
    const crop = (name: string, [st, en]: [number, number], dst: string) =>
      ctx.emit(layer('Crop', name, [input], [dst], [[9, ints([st])], [10, ints([en])], [11, ints([a])]]));
    if (parts.length === 1) {
      crop(needsReshape ? ctx.fresh(`${node.name}_crop`) : node.name, parts[0]!, gathered);
    } else {
      const pieces = parts.map((r, k) => {
        const b = ctx.fresh(`${node.name}_part${k}`);
        crop(b, r, b);
        return b;
      });
      ctx.emit(layer('Concat', needsReshape ? ctx.fresh(`${node.name}_concat`) : node.name, pieces, [gathered], [[0, int(a)]]));
    }
    if (needsReshape) emitNcnnReshape(ctx, node, node.name, gathered, ctx.blobOf(node.outputs[0]!), ncnnDims(out, outBatch));
  },
};
