import { attrInts, type IrNode } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { lowerReshapeLike } from './reshape.js';
import type { OpHandler, ShapeContext } from './op-handler.js';

/** Axes from the attribute (opset < 13) or the second input (opset >= 13). */
function axesOf(node: IrNode, ctx: ShapeContext): number[] | undefined {
  if (node.inputs[1]) {
    const c = ctx.inConst(node, 1);
    if (!c) throw new Error('axes are not constant');
    return c.numbers();
  }
  return attrInts(node, 'axes');
}

function squeezeShape(node: IrNode, ctx: ShapeContext): Shape {
  const s = ctx.inShape(node, 0);
  const axes = axesOf(node, ctx)?.map((a) => (a < 0 ? a + s.length : a));
  return s.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
}

function unsqueezeShape(node: IrNode, ctx: ShapeContext): Shape {
  const s = [...ctx.inShape(node, 0)];
  const axes = axesOf(node, ctx) ?? [];
  const r = s.length + axes.length;
  for (const a of axes.map((a) => (a < 0 ? a + r : a)).sort((x, y) => x - y)) s.splice(a, 0, 1);
  return s;
}

/** Squeeze/Unsqueeze: folded on constants, otherwise an ncnn Reshape to the known result (lowerReshapeLike). */
export const squeeze: OpHandler = {
  ops: ['Squeeze', 'Unsqueeze'],
  inferShapes(node, ctx) {
    return [node.op === 'Squeeze' ? squeezeShape(node, ctx) : unsqueezeShape(node, ctx)];
  },
  evaluate(node, [x], ctx) {
    return [x!.reshaped(this.inferShapes(node, ctx)[0]!)];
  },
  lower(node, ctx) {
    lowerReshapeLike(node, ctx);
  },
};
