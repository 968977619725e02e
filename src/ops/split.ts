import { attrInt, attrInts } from '../ir/graph.js';
import { int, ints, layer } from '../ncnn/model.js';
import { ncnnAxis, normAxis, type OpHandler } from './op-handler.js';

/** Split -> ncnn Slice with explicit sizes. */
export const split: OpHandler = {
  ops: ['Split'],
  inferShapes(node, ctx) {
    const s = ctx.inShape(node, 0);
    const axis = normAxis(attrInt(node, 'axis', 0), s.length);
    const sizes = splitSizes(node, ctx, s[axis]!);
    return sizes.map((n) => s.map((d, i) => (i === axis ? n : d)));
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const axis = normAxis(attrInt(node, 'axis', 0), s.length);
    const sizes = splitSizes(node, ctx, s[axis]!);
    ctx.emit(
      layer('Slice', node.name, [ctx.blob(node, 0)], node.outputs.map((o) => ctx.blobOf(o)), [
        [0, ints(sizes)], [1, int(ncnnAxis(axis, s.length, node, ctx))],
      ]),
    );
  },
};

function splitSizes(node: Parameters<OpHandler['lower']>[0], ctx: Parameters<OpHandler['inferShapes']>[1], dim: number): number[] {
  if (node.inputs[1]) {
    const c = ctx.inConst(node, 1);
    if (!c) throw new Error('split sizes are not constant');
    return c.numbers();
  }
  const attr = attrInts(node, 'split');
  if (attr) return attr;
  const n = node.outputs.length;
  const chunk = Math.ceil(dim / n);
  return node.outputs.map((_, i) => Math.min(chunk, dim - chunk * i));
}
