import { layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** Softplus log(1 + e^x) -> ncnn Softplus. */
export const softplus: OpHandler = {
  ops: ['Softplus'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    ctx.setBatchAxis(node.outputs[0]!, ctx.batchAxis(node.inputs[0]!));
    ctx.emit(layer('Softplus', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)]));
  },
};
