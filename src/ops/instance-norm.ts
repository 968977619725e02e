import { attrFloat, type IrNode } from '../ir/graph.js';
import { numel } from '../ir/tensor.js';
import { float, int, layer, rawWeights, type ParamValue } from '../ncnn/model.js';
import { emitNcnnReshape, ncnnDims } from './batch-axis.js';
import type { LowerContext, OpHandler } from './op-handler.js';

/**
 * Emits an ncnn normalisation layer that works per channel of a 3-D blob (InstanceNorm,
 * GroupNorm) on a [1, C, ...] input of any rank: other ranks are viewed as [C, 1, rest].
 */
export function emitChannelNorm(ctx: LowerContext, node: IrNode, type: string, params: Array<[number, ParamValue]>, weights: Float32Array[]): void {
  const s = ctx.inShape(node, 0);
  const dims = ncnnDims(s, 0);
  const output = ctx.blobOf(node.outputs[0]!);
  const ws = weights.map((w) => rawWeights(w));
  if (dims.length === 3) {
    ctx.emit(layer(type, node.name, [ctx.blob(node, 0)], [output], params, ws));
    return;
  }
  if (s.length < 2) return ctx.fail(node, 'needs an input [N, C, ...]');
  const view = ctx.fresh(`${node.name}_chw`);
  const normed = ctx.fresh(`${node.name}_norm`);
  emitNcnnReshape(ctx, node, view, ctx.blob(node, 0), view, [s[1]!, 1, numel(s.slice(2))]);
  ctx.emit(layer(type, normed, [view], [normed], params, ws));
  emitNcnnReshape(ctx, node, node.name, normed, output, dims);
}

/** InstanceNormalization -> ncnn InstanceNorm (0=channels, 1=eps, 2=affine; gamma, beta). */
export const instanceNorm: OpHandler = {
  ops: ['InstanceNormalization'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const [scale, bias] = [ctx.inConst(node, 1), ctx.inConst(node, 2)];
    if (!scale || !bias) return ctx.fail(node, 'scale and bias must be constants');
    const c = ctx.inShape(node, 0)[1]!;
    if (scale.size !== c || bias.size !== c) return ctx.fail(node, `scale/bias of ${scale.size}/${bias.size} values for ${c} channels`);
    const params: Array<[number, ParamValue]> = [[0, int(c)], [1, float(attrFloat(node, 'epsilon', 1e-5))], [2, int(1)]];
    emitChannelNorm(ctx, node, 'InstanceNorm', params, [scale.floats(), bias.floats()]);
  },
};
