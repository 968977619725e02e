import { attrInt, attrInts, type IrNode } from '../ir/graph.js';
import { ConstTensor, type Shape } from '../ir/tensor.js';
import { float, int, ints, layer } from '../ncnn/model.js';
import { ncnnAxis, type OpHandler, type ShapeContext } from './op-handler.js';
import { range, takeBlock } from './nd.js';

/** ncnn Reduction operation ids (src/layer/reduction.h). */
const OPS: Record<string, number> = {
  ReduceSum: 0, ReduceSumSquare: 2, ReduceMean: 3, ReduceMax: 4, ReduceMin: 5, ReduceProd: 6, ReduceL1: 7, ReduceL2: 8, ReduceLogSumExp: 9,
};

/** Reduction axes: attribute before opset 18 (13 for ReduceSum), second input after. */
export function reduceAxes(node: IrNode, ctx: ShapeContext): number[] {
  const rank = ctx.inShape(node, 0).length;
  let axes = attrInts(node, 'axes');
  if (node.inputs[1]) {
    const c = ctx.inConst(node, 1);
    if (!c) throw new Error('axes are not constant');
    axes = c.numbers();
  }
  if (!axes || axes.length === 0) {
    return attrInt(node, 'noop_with_empty_axes', 0) ? [] : range(0, rank);
  }
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

function reducedShape(s: Shape, axes: number[], keep: boolean): Shape {
  return keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
}

export const reduce: OpHandler = {
  ops: Object.keys(OPS),
  inferShapes(node, ctx) {
    return [reducedShape(ctx.inShape(node, 0), reduceAxes(node, ctx), attrInt(node, 'keepdims', 1) === 1)];
  },
  evaluate(node, [x], ctx) {
    // Only needed for tiny shape-math constants; implemented for the sum/mean/max/min family.
    const axes = reduceAxes(node, ctx);
    const keep = attrInt(node, 'keepdims', 1) === 1;
    const v = x!.numbers();
    const outDims = reducedShape(x!.dims, axes, true);
    const out: number[] = [];
    const rec = (prefix: number[]) => {
      if (prefix.length === x!.dims.length) {
        const pick = x!.dims.map((d, i) => (axes.includes(i) ? range(0, d) : [prefix[i]!]));
        const vals = takeBlock(v, x!.dims, pick);
        const sum = vals.reduce((a, b) => a + b, 0);
        const op = node.op;
        out.push(op === 'ReduceMean' ? sum / vals.length : op === 'ReduceMax' ? Math.max(...vals) : op === 'ReduceMin' ? Math.min(...vals)
          : op === 'ReduceL2' ? Math.sqrt(vals.reduce((a, b) => a + b * b, 0)) : op === 'ReduceProd' ? vals.reduce((a, b) => a * b, 1) : sum);
        return;
      }
      const i = prefix.length;
      for (let k = 0; k < outDims[i]!; k++) rec([...prefix, k]);
    };
    rec([]);
    return [ConstTensor.fromNumbers(x!.dtype, keep ? outDims : reducedShape(x!.dims, axes, false), out)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const axes = reduceAxes(node, ctx);
    const keep = attrInt(node, 'keepdims', 1);
    const spatial = axes.filter((a) => a !== 0);
    if (spatial.length === 0) return ctx.fail(node, 'reduces only over the batch axis');
    ctx.emit(
      layer('Reduction', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
        [0, int(OPS[node.op]!)], [1, int(0)], [2, float(1)],
        [3, ints(spatial.map((a) => ncnnAxis(a, s.length, node, ctx)))], [4, int(keep)], [5, int(1)],
      ]),
    );
  },
};
