import { attrFloat, attrInt } from '../ir/graph.js';
import { int, layer, mainWeights, rawWeights, type FloatSource, type ParamValue } from '../ncnn/model.js';
import { fusedActivationParams } from './conv.js';
import type { OpHandler } from './op-handler.js';

/** Transposes a row-major [rows, cols] matrix. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
  return dst;
}

/** Gemm with constant B (and C) -> InnerProduct (weights [out][in], alpha/beta folded in). */
export const gemm: OpHandler = {
  ops: ['Gemm'],

  inferShapes(node, ctx) {
    const a = ctx.inShape(node, 0);
    const b = ctx.inShape(node, 1);
    const m = attrInt(node, 'transA', 0) ? a[1]! : a[0]!;
    const n = attrInt(node, 'transB', 0) ? b[0]! : b[1]!;
    return [[m, n]];
  },

  lower(node, ctx) {
    if (attrInt(node, 'transA', 0)) return ctx.fail(node, 'transA=1 is not supported (it would transpose the batch axis)');
    const B = ctx.inConst(node, 1);
    if (!B) return ctx.fail(node, 'B is not constant', 'edgeface maps Gemm to InnerProduct, which needs constant weights');
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const [k, n] = attrInt(node, 'transB', 0) ? [B.dims[1]!, B.dims[0]!] : [B.dims[0]!, B.dims[1]!];
    const transB = attrInt(node, 'transB', 0) === 1;
    const w = () => {
      const m = transB ? B.floats() : transpose2d(B.floats(), k, n);
      return alpha === 1 ? m : m.map((v) => v * alpha);
    };
    let bias: Float32Array | undefined;
    if (node.inputs[2]) {
      const C = ctx.inConst(node, 2);
      if (!C) return ctx.fail(node, 'C is not constant');
      if (C.size !== n && C.size !== 1) return ctx.fail(node, `bias of shape ${JSON.stringify(C.dims)} is not per-output`);
      const c = C.floats();
      bias = new Float32Array(n);
      for (let i = 0; i < n; i++) bias[i] = beta * c[C.size === 1 ? 0 : i]!;
    }
    emitInnerProduct(ctx, node, n, B.size, w, bias);
  },
};

/** InnerProduct from [out][in] weights. */
export function emitInnerProduct(
  ctx: Parameters<OpHandler['lower']>[1],
  node: Parameters<OpHandler['lower']>[0],
  numOutput: number,
  weightSize: number,
  weight: FloatSource,
  bias: Float32Array | undefined,
): void {
  const params: Array<[number, ParamValue]> = [[0, int(numOutput)], [1, int(bias ? 1 : 0)], [2, int(weightSize)], ...fusedActivationParams(node)];
  const weights = [mainWeights(weight)];
  if (bias) weights.push(rawWeights(bias));
  ctx.emit(layer('InnerProduct', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], params, weights));
}
