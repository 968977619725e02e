import { attrInt } from '../ir/graph.js';
import { int, layer } from '../ncnn/model.js';
import { ncnnAxis, type OpHandler } from './op-handler.js';

/** Softmax -> Softmax (1=1 selects ncnn's corrected axis numbering). */
export const softmax: OpHandler = {
  ops: ['Softmax'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    // Before opset 13 Softmax flattens from `axis` (default 1); equal to per-axis when axis is the last.
    const dflt = ctx.graph.opset >= 13 ? -1 : 1;
    const axisAttr = attrInt(node, 'axis', dflt);
    const a = axisAttr < 0 ? axisAttr + s.length : axisAttr;
    if (ctx.graph.opset < 13 && a !== s.length - 1) return ctx.fail(node, 'opset < 13 Softmax over several axes is not supported');
    ctx.emit(
      layer('Softmax', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(ncnnAxis(a, s.length, node, ctx))], [1, int(1)]]),
    );
  },
};
