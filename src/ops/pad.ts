import { attrFloat, attrInts, attrString } from '../ir/graph.js';
import { float, int, layer } from '../ncnn/model.js';
import type { OpHandler } from './op-handler.js';

const MODE: Record<string, number> = { constant: 0, edge: 1, reflect: 2 };

function pads(node: Parameters<OpHandler['lower']>[0], ctx: Parameters<OpHandler['inferShapes']>[1]): number[] {
  if (node.inputs[1]) {
    const c = ctx.inConst(node, 1);
    if (!c) throw new Error('pads are not constant');
    return c.numbers();
  }
  return attrInts(node, 'pads') ?? [];
}

/** Pad on the spatial (and channel) axes of NCHW -> Padding. */
export const pad: OpHandler = {
  ops: ['Pad'],
  inferShapes(node, ctx) {
    const s = ctx.inShape(node, 0);
    const p = pads(node, ctx);
    if (node.inputs[3]) throw new Error('Pad with explicit axes is not supported');
    return [s.map((d, i) => d + p[i]! + p[i + s.length]!)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const p = pads(node, ctx);
    const r = s.length;
    if (r !== 4 && r !== 3) return ctx.fail(node, `rank ${r} padding is not supported`);
    if (p[0] !== 0 || p[r] !== 0) return ctx.fail(node, 'pads the batch axis');
    if (p.some((v) => v < 0)) return ctx.fail(node, `negative pads ${JSON.stringify(p)} (cropping) are not supported`, 'crop with Slice instead');
    const mode = attrString(node, 'mode', 'constant');
    if (!(mode in MODE)) return ctx.fail(node, `mode '${mode}' is not supported`);
    let value = attrFloat(node, 'value', 0);
    if (node.inputs[2]) {
      const v = ctx.inConst(node, 2);
      if (!v) return ctx.fail(node, 'pad value is not constant');
      value = v.numbers()[0] ?? 0;
    }
    // ncnn Padding: 0=top 1=bottom 2=left 3=right 4=type 5=value 7=front 8=behind (channels).
    const [top, left, bottom, right, front, behind] = r === 4
      ? [p[2]!, p[3]!, p[6]!, p[7]!, p[1]!, p[5]!]
      : [p[1]!, p[2]!, p[4]!, p[5]!, 0, 0]; // [1, C, L] is a 2-D ncnn blob (h = C)
    ctx.emit(
      layer('Padding', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
        [0, int(top)], [1, int(bottom)], [2, int(left)], [3, int(right)], [4, int(MODE[mode]!)], [5, float(value)],
        [7, int(front)], [8, int(behind)],
      ]),
    );
  },
};
