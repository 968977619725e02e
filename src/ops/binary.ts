import type { IrNode } from '../ir/graph.js';
import { isFloatType, type ConstTensor } from '../ir/tensor.js';
import { float, int, layer, type ParamValue } from '../ncnn/model.js';
import { memoryData } from './memory-data.js';
import { emitReshape } from './reshape.js';
import { broadcastEval, broadcastShapes } from './broadcast.js';
import type { LowerContext, OpHandler } from './op-handler.js';

/** ncnn BinaryOp op_type (src/layer/binaryop.h); `r` is the operand-swapped variant. */
const OP_TYPE: Record<string, { t: number; r: number }> = {
  Add: { t: 0, r: 0 }, Sub: { t: 1, r: 7 }, Mul: { t: 2, r: 2 }, Div: { t: 3, r: 8 },
  Max: { t: 4, r: 4 }, Min: { t: 5, r: 5 }, Pow: { t: 6, r: 9 },
};

function apply(op: string, intMath: boolean): (x: number, y: number) => number {
  switch (op) {
    case 'Add': return (x, y) => x + y;
    case 'Sub': return (x, y) => x - y;
    case 'Mul': return (x, y) => x * y;
    case 'Div': return intMath ? (x, y) => Math.trunc(x / y) : (x, y) => x / y;
    case 'Max': return Math.max;
    case 'Min': return Math.min;
    case 'Pow': return Math.pow;
    default: throw new Error(op);
  }
}

/** Add/Sub/Mul/Div/Max/Min/Pow with numpy broadcasting -> BinaryOp (+ MemoryData for tensors). */
export const binary: OpHandler = {
  ops: Object.keys(OP_TYPE),

  inferShapes(node, ctx) {
    let s = ctx.inShape(node, 0);
    for (let i = 1; i < node.inputs.length; i++) {
      const b = broadcastShapes(s, ctx.inShape(node, i));
      if (!b) throw new Error(`inputs ${JSON.stringify(s)} and ${JSON.stringify(ctx.inShape(node, i))} do not broadcast`);
      s = b;
    }
    return [s];
  },

  evaluate(node, inputs) {
    const [a, b] = inputs as [ConstTensor, ConstTensor];
    const intMath = !isFloatType(a.dtype) && !isFloatType(b.dtype);
    return [broadcastEval(a, b, apply(node.op, intMath))];
  },

  lower(node, ctx) {
    if (node.inputs.length !== 2) return ctx.fail(node, `has ${node.inputs.length} inputs; ncnn BinaryOp takes 2`);
    const { t, r } = OP_TYPE[node.op]!;
    const out = ctx.blobOf(node.outputs[0]!);
    const [ca, cb] = [ctx.inConst(node, 0), ctx.inConst(node, 1)];
    const scalarOf = (c: ConstTensor | undefined) => (c && c.size === 1 ? c.numbers()[0]! : undefined);
    const sb = scalarOf(cb);
    const sa = scalarOf(ca);
    if (sb !== undefined && !ca) {
      return emitScalar(ctx, node, 0, t, sb, out);
    }
    if (sa !== undefined && !cb) {
      return emitScalar(ctx, node, 1, r, sa, out);
    }
    const x = ctx.outShape(node, 0);
    const [s0, s1] = [ctx.inShape(node, 0), ctx.inShape(node, 1)];
    const [b0, b1] = [ctx.batchAxis(node.inputs[0]!), ctx.batchAxis(node.inputs[1]!)];
    if (!ca && !cb && b0 !== 0 && b0 === b1 && s0.length === s1.length && s0.every((d, i) => d === s1[i])) {
      // Two activations of one shape and layout away from batch-first: element-wise as they are.
      ctx.setBatchAxis(node.outputs[0]!, b0);
      ctx.emit(layer('BinaryOp', node.name, [ctx.blobAsIs(node, 0), ctx.blobAsIs(node, 1)], [out], [[0, int(t)]]));
      return;
    }
    ctx.emit(layer('BinaryOp', node.name, [constOrBlob(ctx, node, 0, x.length), constOrBlob(ctx, node, 1, x.length)], [out], [[0, int(t)]]));
  },
};

function emitScalar(ctx: LowerContext, node: IrNode, input: number, opType: number, value: number, out: string): void {
  const params: Array<[number, ParamValue]> = [[0, int(opType)], [1, int(1)], [2, float(value)]];
  // With a scalar the output keeps the input's layout, wherever its batch axis is.
  ctx.setBatchAxis(node.outputs[0]!, ctx.batchAxis(node.inputs[input]!));
  ctx.emit(layer('BinaryOp', node.name, [ctx.blobAsIs(node, input)], [out], params));
}

/**
 * A constant operand becomes a MemoryData blob with the output's rank, so ncnn's
 * broadcasting sees the same axes as numpy's (leading 1s added, batch axis dropped).
 */
function constOrBlob(ctx: LowerContext, node: IrNode, i: number, rank: number): string {
  const c = ctx.inConst(node, i);
  if (!c) {
    // ncnn pads a lower-rank operand on the inner side (src/layer/binaryop.cpp "expand inner
    // axes"), numpy on the outer one: give the activation the output's rank first.
    const s = ctx.inShape(node, i);
    if (s.length >= rank) return ctx.blob(node, i);
    const padded = [...new Array(rank - s.length).fill(1), ...s];
    if (s.length === 0 || padded[0] !== 1) return ctx.fail(node, `operand ${i} of shape ${JSON.stringify(s)} has no batch axis`);
    const blob = ctx.fresh(`${node.name}_${i}_bcast`);
    emitReshape(ctx, node, ctx.blob(node, i), padded, blob, blob);
    return blob;
  }
  const dims = [...new Array(Math.max(0, rank - c.dims.length)).fill(1), ...c.dims];
  if (dims[0] !== 1) return ctx.fail(node, `constant operand ${JSON.stringify(c.dims)} varies along the batch axis`);
  return memoryData(ctx, `${node.name}_${i}_const`, dims.slice(1), c.floats());
}
