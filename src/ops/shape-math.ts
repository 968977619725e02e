import { ConstTensor, numel } from '../ir/tensor.js';
import { int, layer } from '../ncnn/model.js';
import { memoryData } from './memory-data.js';
import type { OpHandler } from './op-handler.js';
import { emitReshape } from './reshape.js';
import { broadcastShapes } from './broadcast.js';
import { range } from './nd.js';
import { FOLD_ELEMENT_BUDGET } from '../passes/fold-budget.js';

/**
 * Ops that only ever appear in shape computations of face models (ConstantOfShape, Range,
 * Expand, Equal, Where): folded when their inputs are constant, never lowered to ncnn.
 */
function constOnly(op: string): never {
  throw new Error(`${op} on a non-constant input is not supported`);
}

export const constantOfShape: OpHandler = {
  ops: ['ConstantOfShape'],
  inferShapes(node, ctx) {
    const s = ctx.inConst(node, 0);
    if (!s) throw new Error('shape input is not constant');
    return [s.numbers()];
  },
  evaluate(node, [s]) {
    const v = node.attrs.get('value');
    const dims = s!.numbers();
    const fill = v instanceof ConstTensor ? v.numbers()[0]! : 0;
    const dtype = v instanceof ConstTensor ? v.dtype : 'float32';
    return [ConstTensor.fromNumbers(dtype, dims, new Array(numel(dims)).fill(fill))];
  },
  lower(node, ctx) {
    ctx.fail(node, 'ConstantOfShape of a non-constant shape is not supported');
  },
};

export const rangeOp: OpHandler = {
  ops: ['Range'],
  inferShapes(node, ctx) {
    const [a, b, d] = [0, 1, 2].map((i) => ctx.inConst(node, i));
    if (!a || !b || !d) constOnly('Range');
    // The length from the ONNX formula, without materialising the range.
    const [start, limit, delta] = [a, b, d].map((t) => t.numbers()[0]!) as [number, number, number];
    if (!Number.isFinite(start) || !Number.isFinite(limit) || !Number.isFinite(delta) || delta === 0) {
      throw new Error(`Range(${start}, ${limit}, ${delta}) is not a finite range`);
    }
    return [[Math.max(Math.ceil((limit - start) / delta), 0)]];
  },
  evaluate(_node, [a, b, d]) {
    if (!a || !b || !d) constOnly('Range');
    const r = range(a.numbers()[0]!, b.numbers()[0]!, d.numbers()[0]!);
    return [ConstTensor.fromNumbers(a.dtype, [r.length], r)];
  },
  lower(node, ctx) {
    ctx.fail(node, 'Range of non-constant inputs is not supported');
  },
};

export const expand: OpHandler = {
  ops: ['Expand'],
  inferShapes(node, ctx) {
    const t = ctx.inConst(node, 1);
    if (!t) throw new Error('target shape is not constant');
    const out = broadcastShapes(ctx.inShape(node, 0), t.numbers());
    if (!out) throw new Error('shapes do not broadcast');
    return [out];
  },
  evaluate(node, [x, t], ctx) {
    const out = this.inferShapes(node, ctx)[0]!;
    const v = x!.numbers();
    // Broadcast copy: each output element reads the input at its broadcast position.
    const res = new Array<number>(numel(out));
    const inDims = [...new Array(out.length - x!.dims.length).fill(1), ...x!.dims];
    for (let i = 0; i < res.length; i++) {
      let rem = i, off = 0, stride = 1;
      const coords = out.map(() => 0);
      for (let k = out.length - 1; k >= 0; k--) { coords[k] = rem % out[k]!; rem = Math.floor(rem / out[k]!); }
      for (let k = out.length - 1; k >= 0; k--) { off += (inDims[k] === 1 ? 0 : coords[k]!) * stride; stride *= inDims[k]!; }
      res[i] = v[off]!;
    }
    void t;
    return [ConstTensor.fromNumbers(x!.dtype, out, res)];
  },
  /**
   * ncnn has no Expand layer, but BinaryOp broadcasts: x + zeros, where the zeros span only
   * the axes x is expanded along (so the constant stays small).
   */
  lower(node, ctx) {
    const x = ctx.inShape(node, 0);
    const out = ctx.outShape(node, 0);
    const px = [...new Array(out.length - x.length).fill(1), ...x];
    if (px[0] !== out[0]) return ctx.fail(node, `expands the batch axis (${JSON.stringify(x)} -> ${JSON.stringify(out)})`, 'ncnn runs one sample at a time');
    if (px.every((d, i) => d === out[i])) {
      const input = px.length === x.length ? ctx.blob(node, 0) : undefined;
      if (input) {
        ctx.emit(layer('Noop', node.name, [input], [ctx.blobOf(node.outputs[0]!)]));
        return;
      }
      emitReshape(ctx, node, ctx.blob(node, 0), out);
      return;
    }
    let input = ctx.blob(node, 0);
    if (x.length < out.length) {
      // numpy pads on the outer side, ncnn's BinaryOp on the inner one: reshape first.
      const b = ctx.fresh(`${node.name}_rank`);
      emitReshape(ctx, node, input, px, b, b);
      input = b;
    }
    const zerosDims = out.map((d, i) => (px[i] === 1 ? d : 1));
    if (numel(zerosDims) > FOLD_ELEMENT_BUDGET) {
      return ctx.fail(node, `expanding to ${JSON.stringify(out)} needs a constant of ${numel(zerosDims)} elements; refused`);
    }
    const zeros = memoryData(ctx, `${node.name}_zeros`, zerosDims.slice(1), new Float32Array(numel(zerosDims)));
    ctx.emit(layer('BinaryOp', node.name, [input, zeros], [ctx.blobOf(node.outputs[0]!)], [[0, int(0)]]));
  },
};
