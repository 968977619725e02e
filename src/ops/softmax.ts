import { attrInt } from '../ir/graph.js';
import { numel } from '../ir/tensor.js';
import { int, layer } from '../ncnn/model.js';
import { emitReshape } from './reshape.js';
import { ncnnAxis, type OpHandler } from './op-handler.js';

/**
 * Softmax -> ncnn Softmax (1=1 selects ncnn's corrected axis numbering; without it ncnn
 * refuses any axis but 0). Before opset 13 ONNX Softmax works on the input flattened to 2-D
 * at `axis` (default 1); when that spans several axes it is lowered as
 * Reshape -> Softmax over the merged last axis -> Reshape back.
 */
export const softmax: OpHandler = {
  ops: ['Softmax'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const dflt = ctx.graph.opset >= 13 ? -1 : 1;
    const axisAttr = attrInt(node, 'axis', dflt);
    const a = axisAttr < 0 ? axisAttr + s.length : axisAttr;
    const b = ctx.batchAxis(node.inputs[0]!);
    if (a === b) return ctx.fail(node, 'softmax over the batch axis is not supported', 'ncnn runs one sample at a time; keep the batch axis out of the op');
    const emitSoftmax = (name: string, input: string, output: string, rank: number, axis: number, batch: number | null = 0) =>
      ctx.emit(layer('Softmax', name, [input], [output], [[0, int(ncnnAxis(axis, rank, node, ctx, batch))], [1, int(1)]]));
    if (ctx.graph.opset >= 13 || a === s.length - 1) {
      ctx.setBatchAxis(node.outputs[0]!, b);
      emitSoftmax(node.name, ctx.blobAsIs(node, 0), ctx.blobOf(node.outputs[0]!), s.length, a, b);
      return;
    }
    const merged = [...s.slice(0, a), numel(s.slice(a))];
    const flat = ctx.fresh(`${node.name}_flat`);
    const soft = ctx.fresh(`${node.name}_softmax`);
    emitReshape(ctx, node, ctx.blob(node, 0), merged, flat, flat);
    emitSoftmax(soft, flat, soft, merged.length, merged.length - 1);
    emitReshape(ctx, node, soft, s, node.name);
  },
};
