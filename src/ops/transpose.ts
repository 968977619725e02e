import { attrInts } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';
import { int, layer } from '../ncnn/model.js';
import { strides } from './nd.js';
import type { OpHandler } from './op-handler.js';
import { relayout } from './batch-axis.js';

/** Every permutation of 0..n-1 in lexicographic order. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first < n; first++) {
    for (const rest of permutations(n - 1)) out.push([first, ...rest.map((r) => (r >= first ? r + 1 : r))]);
  }
  return out;
}

/**
 * ncnn Permute order_type tables: for each type, the source axis (0 = outermost of the
 * batch-less blob) of each output axis, outermost first (ncnn src/layer/permute.cpp lists
 * them innermost first: w h c, h w c, w c h, c w h, h c w, c h w). Outermost first, the
 * types are the permutations in lexicographic order, for 4-D blobs too (all 24 checked
 * against the runtime).
 */
const ORDERS: Record<number, number[][]> = { 2: permutations(2), 3: permutations(3), 4: permutations(4) };

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
  /**
   * The batch axis goes where perm moves it (ncnn never sees it); the other axes are
   * permuted by one ncnn Permute. A rank-5 input without a batch axis drops a size-1 axis.
   */
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const perm = attrInts(node, 'perm') ?? s.map((_, i) => s.length - 1 - i);
    let b = ctx.batchAxis(node.inputs[0]!);
    let input = ctx.blobAsIs(node, 0);
    if (b === null && s.length > 4) {
      const one = s.indexOf(1);
      if (one >= 0) {
        input = relayout(ctx, node, input, s, null, one);
        b = one;
      }
    }
    const inner = b === null ? perm : perm.filter((p) => p !== b).map((p) => (p > b! ? p - 1 : p));
    const output = ctx.blobOf(node.outputs[0]!);
    ctx.setBatchAxis(node.outputs[0]!, b === null ? null : perm.indexOf(b));
    if (inner.every((v, i) => v === i)) {
      // Nothing moves: ncnn's Noop passes the blob through.
      ctx.emit(layer('Noop', node.name, [input], [output]));
      return;
    }
    const table = ORDERS[inner.length];
    const order = table?.findIndex((t) => t.every((v, i) => v === inner[i]));
    if (order === undefined || order < 0) return ctx.fail(node, `perm ${JSON.stringify(perm)} permutes ${inner.length} axes besides the batch; ncnn Permute handles at most 4`);
    ctx.emit(layer('Permute', node.name, [input], [output], [[0, int(order)]]));
  },
};
