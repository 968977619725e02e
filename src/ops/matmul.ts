import { int, layer } from '../ncnn/model.js';
import { broadcastShapes } from './broadcast.js';
import { emitInnerProduct, transpose2d } from './gemm.js';
import type { OpHandler } from './op-handler.js';

/**
 * MatMul. [1, K] x const [K, N] (what nn.Linear exports without bias) -> InnerProduct;
 * two activations -> ncnn MatMul.
 */
export const matmul: OpHandler = {
  ops: ['MatMul'],

  inferShapes(node, ctx) {
    const a = ctx.inShape(node, 0);
    const b = ctx.inShape(node, 1);
    const a2 = a.length === 1 ? [1, a[0]!] : a;
    const b2 = b.length === 1 ? [b[0]!, 1] : b;
    const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
    if (!batch || a2[a2.length - 1] !== b2[b2.length - 2]) throw new Error(`cannot multiply ${JSON.stringify(a)} by ${JSON.stringify(b)}`);
    const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
    if (a.length === 1) out.splice(out.length - 2, 1);
    if (b.length === 1) out.splice(out.length - 1, 1);
    return [out];
  },

  lower(node, ctx) {
    const a = ctx.inShape(node, 0);
    const B = ctx.inConst(node, 1);
    // [1, K] or [1, T, K] (a 2-D ncnn blob, which InnerProduct multiplies row by row) x [K, N].
    if (B && B.dims.length === 2 && (a.length === 2 || a.length === 3)) {
      const [k, n] = B.dims as [number, number];
      emitInnerProduct(ctx, node, n, B.size, () => transpose2d(B.floats(), k, n), undefined);
      return;
    }
    if (B) return ctx.fail(node, `constant operand of shape ${JSON.stringify(B.dims)} with input ${JSON.stringify(a)} is not supported`);
    ctx.emit(layer('MatMul', node.name, [ctx.blob(node, 0), ctx.blob(node, 1)], [ctx.blobOf(node.outputs[0]!)], [[0, int(0)]]));
  },
};
