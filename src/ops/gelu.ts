import { attrString } from '../ir/graph.js';
import { int, layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** Gelu (opset 20; approximate none or tanh) -> ncnn GELU (0=fast_gelu for tanh). */
export const gelu: OpHandler = {
  ops: ['Gelu'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  lower(node, ctx) {
    const approx = attrString(node, 'approximate', 'none');
    if (approx !== 'none' && approx !== 'tanh') return ctx.fail(node, `approximate='${approx}' is not a Gelu mode`);
    ctx.emit(layer('GELU', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(approx === 'tanh' ? 1 : 0)]]));
  },
};
