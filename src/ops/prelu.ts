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
    // ncnn applies one slope per channel (ONNX axis 1: each element of a 1-D blob, the rows of
    // a 2-D one, the channels of 3-D/4-D ones) or a single shared slope. ONNX broadcasts the slope from the right, so it is
    // per-channel only when, right-aligned to the input, its one non-1 dim falls on axis 1.
    const aligned = [...new Array(Math.max(0, x.length - slope.dims.length)).fill(1), ...slope.dims];
    const perChannel = x.length >= 2 && aligned.length === x.length && aligned.every((d, i) => (i === 1 ? d === x[1] : d === 1));
    if (n !== 1 && !perChannel) {
      return ctx.fail(node, `slope shape ${JSON.stringify(slope.dims)} is not per-channel for input ${JSON.stringify(x)}`, 'ncnn PReLU takes one slope per channel or a single one');
    }
    ctx.emit(layer('PReLU', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(n)]], [rawWeights(slope.floats())]));
  },
};
