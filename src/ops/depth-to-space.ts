import { attrInt, attrString } from '../ir/graph.js';
import { int, layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

/** DepthToSpace -> ncnn PixelShuffle (1=mode: 0 is CRD as torch's pixel_shuffle, 1 is DCR). */
export const depthToSpace: OpHandler = {
  ops: ['DepthToSpace'],
  inferShapes(node, ctx) {
    const [n, c, h, w] = ctx.inShape(node, 0) as [number, number, number, number];
    const b = attrInt(node, 'blocksize', 1);
    if (c % (b * b) !== 0) throw new Error(`${c} channels do not split into blocks of ${b}x${b}`);
    return [[n, c / (b * b), h * b, w * b]];
  },
  lower(node, ctx) {
    if (ctx.inShape(node, 0).length !== 4) return ctx.fail(node, 'needs a 4-D input');
    const mode = attrString(node, 'mode', 'DCR');
    ctx.emit(layer('PixelShuffle', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
      [0, int(attrInt(node, 'blocksize', 1))], [1, int(mode === 'CRD' ? 0 : 1)],
    ]));
  },
};
