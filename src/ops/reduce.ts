import { attrInt, attrInts, type IrNode } from '../ir/graph.js';
import { ConstTensor, type Shape } from '../ir/tensor.js';
import { float, int, ints, layer } from '../ncnn/model.js';
import { batchAfterRemoving } from './batch-axis.js';
import { ncnnAxis, type OpHandler, type ShapeContext } from './op-handler.js';
import { range, takeBlock } from './nd.js';

/** ncnn Reduction operation ids (src/layer/reduction.h). */
const OPS: Record<string, number> = {
  ReduceSum: 0, ReduceSumSquare: 2, ReduceMean: 3, ReduceMax: 4, ReduceMin: 5, ReduceProd: 6, ReduceL1: 7, ReduceL2: 8, ReduceLogSum: 9, ReduceLogSumExp: 10,
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

const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);
/** Each Reduce* op on one slab of values (constant folding). */
const REDUCE: Record<string, (v: number[]) => number> = {
  ReduceSum: sumOf,
  ReduceSumSquare: (v) => sumOf(v.map((x) => x * x)),
  ReduceMean: (v) => sumOf(v) / v.length,
  ReduceMax: (v) => v.reduce((a, b) => Math.max(a, b), -Infinity),
  ReduceMin: (v) => v.reduce((a, b) => Math.min(a, b), Infinity),
  ReduceProd: (v) => v.reduce((a, b) => a * b, 1),
  ReduceL1: (v) => sumOf(v.map(Math.abs)),
  ReduceL2: (v) => Math.sqrt(sumOf(v.map((x) => x * x))),
  ReduceLogSum: (v) => Math.log(sumOf(v)),
  ReduceLogSumExp: (v) => Math.log(sumOf(v.map(Math.exp))),
};

function reducedShape(s: Shape, axes: number[], keep: boolean): Shape {
  return keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
}

export const reduce: OpHandler = {
  ops: Object.keys(OPS),
  inferShapes(node, ctx) {
    return [reducedShape(ctx.inShape(node, 0), reduceAxes(node, ctx), attrInt(node, 'keepdims', 1) === 1)];
  },
  evaluate(node, [x], ctx) {
    // Only needed for tiny shape-math constants.
    const axes = reduceAxes(node, ctx);
    const keep = attrInt(node, 'keepdims', 1) === 1;
    const v = x!.numbers();
    const outDims = reducedShape(x!.dims, axes, true);
    const out: number[] = [];
    const rec = (prefix: number[]) => {
      if (prefix.length === x!.dims.length) {
        const pick = x!.dims.map((d, i) => (axes.includes(i) ? range(0, d) : [prefix[i]!]));
        const vals = takeBlock(v, x!.dims, pick);
        out.push(REDUCE[node.op]!(vals));
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
    const b = ctx.batchAxis(node.inputs[0]!);
    // Reducing the size-1 batch axis changes nothing but the rank.
    const spatial = axes.filter((a) => a !== b);
    if (spatial.length === 0) return ctx.fail(node, 'reduces only over the batch axis');
    ctx.setBatchAxis(node.outputs[0]!, keep ? b : batchAfterRemoving(b, axes));
    ctx.emit(
      layer('Reduction', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
        [0, int(OPS[node.op]!)], [1, int(0)], [2, float(1)],
        [3, ints(spatial.map((a) => ncnnAxis(a, s.length, node, ctx, b)))], [4, int(keep)], [5, int(1)],
      ]),
    );
  },
};
