import { layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** Erf -> ncnn Erf (the exact GELU spelling x * 0.5 * (1 + erf(x / sqrt 2)) lowers op by op). */
export const erf: OpHandler = {
  ops: ['Erf'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    ctx.setBatchAxis(node.outputs[0]!, ctx.batchAxis(node.inputs[0]!));
    ctx.emit(layer('Erf', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)]));
  },
};
