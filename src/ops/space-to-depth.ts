import { attrInt } from '../ir/graph.js';
import { int, layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** SpaceToDepth -> ncnn Reorg (0=stride, 1=mode 1: block offset outermost, as ONNX orders it). */
export const spaceToDepth: OpHandler = {
  ops: ['SpaceToDepth'],
  inferShapes(node, ctx) {
    const [n, c, h, w] = ctx.inShape(node, 0) as [number, number, number, number];
    const b = attrInt(node, 'blocksize', 1);
    if (h % b !== 0 || w % b !== 0) throw new Error(`${h}x${w} does not split into blocks of ${b}`);
    return [[n, c * b * b, h / b, w / b]];
  },
  lower(node, ctx) {
    if (ctx.inShape(node, 0).length !== 4) return ctx.fail(node, 'needs a 4-D input');
    ctx.emit(layer('Reorg', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [[0, int(attrInt(node, 'blocksize', 1))], [1, int(1)]]));
  },
};
