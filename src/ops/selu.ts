import { attrFloat } from '../ir/graph.js';
import { float, layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** Selu -> ncnn SELU (0=alpha, 1=lambda; ONNX calls lambda gamma). */
export const selu: OpHandler = {
  ops: ['Selu'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const alpha = attrFloat(node, 'alpha', 1.67326319217681884765625);
    const gamma = attrFloat(node, 'gamma', 1.05070102214813232421875);
    ctx.setBatchAxis(node.outputs[0]!, ctx.batchAxis(node.inputs[0]!));
    ctx.emit(layer('SELU', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, float(alpha)], [1, float(gamma)]]));
  },
};
