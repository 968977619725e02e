import { attrInts } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';
import { int, layer } from '../ncnn/model.js';
import { strides } from './nd.js';
import type { OpHandler } from './op-handler.js';

/**
 * ncnn Permute order_type tables: for each type, the source axis (0 = outermost of the
 * batch-less blob) of each output axis, outermost first (ncnn src/layer/permute.cpp lists
 * them innermost first: w h c, h w c, w c h, c w h, h c w, c h w). 4-D blobs are not mapped.
 */
const ORDERS: Record<number, number[][]> = {
  2: [[0, 1], [1, 0]],
  3: [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]],
};

export const transpose: OpHandler = {
  ops: ['Transpose'],
  inferShapes(node, ctx) {
    const s = ctx.inShape(node, 0);
    const perm = attrInts(node, 'perm') ?? s.map((_, i) => s.length - 1 - i);
    return [perm.map((p) => s[p]!)];
  },
  evaluate(node, [x], ctx) {
    const dims = x!.dims;
    const perm = attrInts(node, 'perm') ?? dims.map((_, i) => dims.length - 1 - i);
    const out = this.inferShapes(node, ctx)[0]!;
    const st = strides(dims);
    const v = x!.dtype === 'float32' ? x!.floats() : x!.numbers();
    const res = new Float64Array(v.length);
    const outSt = strides(out);
    for (let i = 0; i < res.length; i++) {
      let rem = i, off = 0;
      for (let k = 0; k < out.length; k++) {
        const c = Math.floor(rem / outSt[k]!);
        rem -= c * outSt[k]!;
        off += c * st[perm[k]!]!;
      }
      res[i] = v[off]!;
    }
    return [x!.dtype === 'float32' ? ConstTensor.fromFloats(out, Float32Array.from(res)) : ConstTensor.fromNumbers(x!.dtype, out, Array.from(res))];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const perm = attrInts(node, 'perm') ?? s.map((_, i) => s.length - 1 - i);
    if (perm[0] !== 0) return ctx.fail(node, `perm ${JSON.stringify(perm)} moves the batch axis`);
    const inner = perm.slice(1).map((p) => p - 1);
    if (inner.every((v, i) => v === i)) {
      // Nothing moves: ncnn's Noop passes the blob through.
      ctx.emit(layer('Noop', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)]));
      return;
    }
    const table = ORDERS[inner.length];
    const order = table?.findIndex((t) => t.every((v, i) => v === inner[i]));
    if (order === undefined || order < 0) return ctx.fail(node, `perm ${JSON.stringify(perm)} has no ncnn Permute equivalent`);
    ctx.emit(layer('Permute', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(order)]]));
  },
};
