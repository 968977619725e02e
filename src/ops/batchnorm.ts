import { attrFloat, type IrNode } from '../ir/graph.js';
import type { ConstTensor, Shape } from '../ir/tensor.js';
import { float, int, layer, rawWeights } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/**
 * Constant statistics must have one value per channel, and variance + epsilon must be
 * positive: onnxruntime gives NaN where it is negative, so no conversion can match it.
 */
function checkStats(node: IrNode, x: Shape, stats: Array<ConstTensor | undefined>): void {
  const c = x.length >= 2 ? x[1]! : 1;
  const names = ['scale', 'bias', 'mean', 'variance'];
  stats.forEach((t, k) => {
    if (t && t.size !== c) throw new Error(`${names[k]} has ${t.size} values for ${c} channels`);
  });
  const v = stats[3];
  if (!v) return;
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const vals = v.floats();
  for (let i = 0; i < vals.length; i++) {
    if (!(vals[i]! + eps > 0)) throw new Error(`variance + epsilon of channel ${i} is ${vals[i]! + eps}; it must be positive`);
  }
}

/**
 * BatchNormalization (inference form) -> BatchNorm. Most BNs are folded into the
 * preceding Conv/Gemm by the fold-batchnorm pass; this handles the rest (pre-activation BN
 * in iresnet blocks, BN after padding convs).
 */
export const batchNorm: OpHandler = {
  ops: ['BatchNormalization'],

  inferShapes(node, ctx) {
    const x = ctx.inShape(node, 0);
    checkStats(node, x, [1, 2, 3, 4].map((i) => ctx.inConst(node, i)));
    return [x];
  },

  lower(node, ctx) {
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ctx.inConst(node, i));
    if (!scale || !bias || !mean || !variance) return ctx.fail(node, 'scale, bias, mean and variance must be constants');
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const c = scale.size;
    // onnx2ncnn convention: var already includes eps, ncnn's eps param left at 0.
    const v = variance.floats();
    const varEps = new Float32Array(c);
    for (let i = 0; i < c; i++) varEps[i] = v[i]! + eps;
    ctx.emit(
      layer('BatchNorm', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(c)], [1, float(0)]], [
        rawWeights(scale.floats()), rawWeights(mean.floats()), rawWeights(varEps), rawWeights(bias.floats()),
      ]),
    );
  },
};
