import { attrFloat, attrInt } from '../ir/graph.js';
import { float, int, layer, rawWeights } from '../ncnn/model.js';
import { normAxis, type OpHandler } from './op-handler.js';

/** Internal op created by the fuse-l2-normalize pass from ReduceL2 + Clip + Expand + Div. */
export const L2_NORMALIZE = 'edgeface.L2Normalize';

/**
 * L2 normalisation over the channel axis -> ncnn Normalize with a unit scale and
 * eps_mode 1 (v / max(||v||, eps), PyTorch's F.normalize). LpNormalization(p=2) too.
 */
/**
 * Where ncnn Normalize reproduces an L2 normalisation over ONNX axis `axis` of a rank-`rank`
 * tensor: [1, C] (a 1-D blob: the whole vector) and axis 1 of rank >= 4 (per position,
 * across channels). A rank-3 [1, C, L] is a 2-D blob with one ncnn channel, so no mode fits.
 */
export function l2NormalizeSupported(rank: number, axis: number): boolean {
  const a = axis < 0 ? axis + rank : axis;
  return a === 1 && (rank === 2 || rank >= 4);
}

export const normalize: OpHandler = {
  ops: [L2_NORMALIZE, 'LpNormalization'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    if (node.op === 'LpNormalization' && attrInt(node, 'p', 2) !== 2) return ctx.fail(node, 'only p=2 is supported');
    const axis = normAxis(attrInt(node, 'axis', node.op === 'LpNormalization' ? -1 : 1), s.length);
    const eps = attrFloat(node, 'eps', node.op === 'LpNormalization' ? 0 : 1e-12);
    if (!l2NormalizeSupported(s.length, axis)) {
      return ctx.fail(node, `L2 normalisation over axis ${axis} of rank ${s.length} is not supported by ncnn Normalize`);
    }
    const acrossSpatial = s.length === 2 ? 1 : 0;
    ctx.emit(
      layer('Normalize', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
        [0, int(acrossSpatial)], [4, int(1)], [1, int(1)], [2, float(eps)], [3, int(1)], [9, int(1)],
      ], [rawWeights(new Float32Array([1]))]),
    );
  },
};
