import { attrFloat, attrInt } from '../ir/graph.js';
import { float, int, type ParamValue } from '../ncnn/model.js';
import { emitChannelNorm } from './instance-norm.js';
import type { OpHandler } from './op-handler.js';

/**
 * GroupNormalization (opset 18: scale/bias per group; opset 21: per channel) -> ncnn
 * GroupNorm (0=group, 1=channels, 2=eps, 3=affine; gamma, beta per channel).
 */
export const groupNorm: OpHandler = {
  ops: ['GroupNormalization'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const [scale, bias] = [ctx.inConst(node, 1), ctx.inConst(node, 2)];
    if (!scale || !bias) return ctx.fail(node, 'scale and bias must be constants');
    const c = ctx.inShape(node, 0)[1]!;
    const groups = attrInt(node, 'num_groups', 0);
    if (groups <= 0 || c % groups !== 0) return ctx.fail(node, `num_groups ${groups} does not divide ${c} channels`);
    const perChannel = (t: NonNullable<typeof scale>) => {
      const v = t.floats();
      if (v.length === c) return v;
      if (v.length !== groups) return ctx.fail(node, `scale/bias of ${v.length} values for ${c} channels in ${groups} groups`);
      return Float32Array.from({ length: c }, (_, k) => v[Math.floor(k / (c / groups))]!);
    };
    const params: Array<[number, ParamValue]> = [[0, int(groups)], [1, int(c)], [2, float(attrFloat(node, 'epsilon', 1e-5))], [3, int(1)]];
    emitChannelNorm(ctx, node, 'GroupNorm', params, [perChannel(scale), perChannel(bias)]);
  },
};
