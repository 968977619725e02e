import { int, layer, rawWeights } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** PRelu with a constant per-channel (or single) slope -> PReLU. */
export const prelu: OpHandler = {
  ops: ['PRelu'],

  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },

  lower(node, ctx) {
    const slope = ctx.inConst(node, 1);
    if (!slope) return ctx.fail(node, 'slope is not constant');
    const x = ctx.inShape(node, 0);
    const n = slope.size;
    // ncnn applies slopes along its channel axis: ONNX axis 1 (the only layout exports use).
    const channels = x.length >= 2 ? x[1]! : 1;
    // The slope's non-unit axis (right-aligned against the input) must be axis 1.
    const offset = x.length - slope.dims.length;
    const nonUnitAxes = slope.dims.map((d, i) => (d === 1 ? -1 : i + offset)).filter((a) => a >= 0);
    if (n !== 1 && (n !== channels || offset < 0 || nonUnitAxes.length !== 1 || nonUnitAxes[0] !== 1)) {
      return ctx.fail(node, `slope shape ${JSON.stringify(slope.dims)} is not per-channel for input ${JSON.stringify(x)}`);
    }
    ctx.emit(layer('PReLU', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(n)]], [rawWeights(slope.floats())]));
  },
};
