import { attrInt } from '../ir/graph.js';
import { int, layer } from '../ncnn/model.js';
import { ncnnAxis, normAxis, type OpHandler } from './op-handler.js';

/**
 * LogSoftmax -> ncnn Softmax then UnaryOp log (ncnn has no LogSoftmax layer). Before
 * opset 13 the op flattens at `axis`; only the last axis is taken there (same result).
 */
export const logSoftmax: OpHandler = {
  ops: ['LogSoftmax'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const a = normAxis(attrInt(node, 'axis', ctx.graph.opset >= 13 ? -1 : 1), s.length);
    if (ctx.graph.opset < 13 && a !== s.length - 1) return ctx.fail(node, `axis ${a} before opset 13 flattens several axes; only the last axis is supported`);
    const b = ctx.batchAxis(node.inputs[0]!);
    const axis = ncnnAxis(a, s.length, node, ctx, b);
    const soft = ctx.fresh(`${node.name}_softmax`);
    ctx.setBatchAxis(node.outputs[0]!, b);
    ctx.emit(layer('Softmax', soft, [ctx.blobAsIs(node, 0)], [soft], [[0, int(axis)], [1, int(1)]]));
    ctx.emit(layer('UnaryOp', node.name, [soft], [ctx.blobOf(node.outputs[0]!)], [[0, int(8)]]));
  },
};
