import { attrFloat, attrInt, type IrNode } from '../ir/graph.js';
import { numel } from '../ir/tensor.js';
import { float, int, layer, rawWeights, type ParamValue } from '../ncnn/model.js';
import { emitNcnnReshape, ncnnDims } from './batch-axis.js';
import type { LowerContext, OpHandler } from './op-handler.js';
import { normAxis } from './op-handler.js';

/** Per-element affine parameter of the normalised block (broadcast when smaller), or the default. */
function affine(node: IrNode, ctx: LowerContext, i: number, size: number, dflt: number): Float32Array {
  const out = new Float32Array(size).fill(dflt);
  if (!node.inputs[i]) return out;
  const c = ctx.inConst(node, i);
  if (!c) return ctx.fail(node, `${i === 1 ? 'scale' : 'bias'} is not constant`, 'ncnn LayerNorm keeps gamma/beta as weights');
  const v = c.floats();
  if (v.length !== size && v.length !== 1) return ctx.fail(node, `${i === 1 ? 'scale' : 'bias'} of ${v.length} values does not match the ${size} normalised ones`);
  for (let k = 0; k < size; k++) out[k] = v[v.length === 1 ? 0 : k]!;
  return out;
}

/**
 * LayerNormalization (opset 17; also what fuse-layer-norm makes of the ReduceMean/Sub/Pow/
 * Sqrt/Div spelling) -> ncnn LayerNorm, which normalises each row (affine_size = w) or,
 * on a 3-D blob, each w*h plane. Other spans are merged into rows by a Reshape first.
 */
export const layerNorm: OpHandler = {
  ops: ['LayerNormalization'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o)) return ctx.fail(node, 'Mean/InvStdDev outputs are not supported (ncnn LayerNorm has one output)');
    const s = ctx.inShape(node, 0);
    const axis = normAxis(attrInt(node, 'axis', -1), s.length);
    const b = ctx.batchAxis(node.inputs[0]!);
    if (b !== null && b >= axis) return ctx.fail(node, 'normalises over the batch axis');
    const size = numel(s.slice(axis));
    const params: Array<[number, ParamValue]> = [[0, int(size)], [1, float(attrFloat(node, 'epsilon', 1e-5))], [2, int(1)]];
    const weights = [rawWeights(affine(node, ctx, 1, size, 1)), rawWeights(affine(node, ctx, 2, size, 0))];
    const dims = ncnnDims(s, b);
    const span = s.length - axis;
    const output = ctx.blobOf(node.outputs[0]!);
    ctx.setBatchAxis(node.outputs[0]!, b);
    if ((span === 1 && dims.length <= 3) || (span === 2 && dims.length === 3)) {
      ctx.emit(layer('LayerNorm', node.name, [ctx.blobAsIs(node, 0)], [output], params, weights));
      return;
    }
    const rows = ctx.fresh(`${node.name}_rows`);
    const normed = ctx.fresh(`${node.name}_ln`);
    emitNcnnReshape(ctx, node, rows, ctx.blobAsIs(node, 0), rows, [numel(dims) / size, size]);
    ctx.emit(layer('LayerNorm', normed, [rows], [normed], params, weights));
    emitNcnnReshape(ctx, node, node.name, normed, output, dims);
  },
};
