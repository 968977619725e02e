import { int, layer } from '../ncnn/model.js';
import { broadcastShapes } from './broadcast.js';
import { emitInnerProduct, transpose2d } from './gemm.js';
import type { LowerContext, OpHandler } from './op-handler.js';
import { MATMUL_BIAS } from '../passes/fuse-matmul-bias.js';
import { emitNcnnReshape, ncnnDims } from './batch-axis.js';
import { float, mainWeights, type ParamValue } from '../ncnn/model.js';
import type { IrNode } from '../ir/graph.js';
import { numel } from '../ir/tensor.js';

/**
 * MatMul. [1, K] x const [K, N] (what nn.Linear exports without bias) -> InnerProduct;
 * two activations -> ncnn MatMul.
 */
export const matmul: OpHandler = {
  ops: ['MatMul', MATMUL_BIAS],

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
    if (node.op === MATMUL_BIAS) return emitTokenGemm(node, ctx);
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

/**
 * Token-wise linear layer with bias ([1, ..., T, K] x const [K, N] + bias [N], made by
 * fuse-matmul-bias) -> one ncnn Gemm over the rows (constant B transposed, constant C
 * broadcast per column), as pnnx writes it; blobs of more than 2 dims are viewed as rows.
 */
function emitTokenGemm(node: IrNode, ctx: LowerContext): void {
  const a = ctx.inShape(node, 0);
  const B = ctx.inConst(node, 1)!;
  const C = ctx.inConst(node, 2)!;
  const [k, n] = B.dims as [number, number];
  const rows = numel(a) / k;
  const params: Array<[number, ParamValue]> = [
    [0, float(1)], [1, float(1)], [2, int(0)], [3, int(1)], [4, int(0)], [5, int(1)], [6, int(1)],
    [7, int(rows)], [8, int(n)], [9, int(k)], [10, int(4)],
  ];
  // ncnn Gemm loads B and C both tagged (ModelBin type 0).
  const weights = [mainWeights(() => transpose2d(B.floats(), k, n)), mainWeights(C.floats())];
  const inDims = ncnnDims(a, 0);
  const output = ctx.blobOf(node.outputs[0]!);
  if (inDims.length === 2) {
    ctx.emit(layer('Gemm', node.name, [ctx.blob(node, 0)], [output], params, weights));
    return;
  }
  const flat = ctx.fresh(`${node.name}_rows`);
  const gemmOut = ctx.fresh(`${node.name}_gemm`);
  emitNcnnReshape(ctx, node, flat, ctx.blob(node, 0), flat, [rows, k]);
  ctx.emit(layer('Gemm', gemmOut, [flat], [gemmOut], params, weights));
  emitNcnnReshape(ctx, node, node.name, gemmOut, output, ncnnDims(ctx.outShape(node, 0), 0));
}
