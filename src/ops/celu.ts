import { attrFloat } from '../ir/graph.js';
import { float, layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** Celu max(0,x) + min(0, alpha * (e^(x/alpha) - 1)) -> ncnn CELU (0=alpha). */
export const celu: OpHandler = {
  ops: ['Celu'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    ctx.setBatchAxis(node.outputs[0]!, ctx.batchAxis(node.inputs[0]!));
    ctx.emit(layer('CELU', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, float(attrFloat(node, 'alpha', 1))]]));
  },
};
