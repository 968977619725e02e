import { attrInts, type IrNode } from '../ir/graph.js';
import { ConstTensor, type Shape } from '../ir/tensor.js';
import { ints, layer } from '../ncnn/model.js';
import { ncnnAxis, type OpHandler, type ShapeContext } from './op-handler.js';
import { range, takeBlock } from './nd.js';

interface SliceSpec { axes: number[]; starts: number[]; ends: number[]; steps: number[] }

/** Normalised, clamped slice parameters (attributes before opset 10, inputs since). */
function sliceSpec(node: IrNode, ctx: ShapeContext): SliceSpec {
  const s = ctx.inShape(node, 0);
  const input = (i: number) => {
    if (!node.inputs[i]) return undefined;
    const c = ctx.inConst(node, i);
    if (!c) throw new Error(`slice parameter input ${i} is not constant`);
    return c.numbers();
  };
  const starts = node.inputs.length > 1 ? input(1)! : attrInts(node, 'starts')!;
  const ends = node.inputs.length > 1 ? input(2)! : attrInts(node, 'ends')!;
  const axes = (node.inputs.length > 1 ? input(3) : attrInts(node, 'axes')) ?? starts.map((_, i) => i);
  const steps = input(4) ?? starts.map(() => 1);
  const spec: SliceSpec = { axes: [], starts: [], ends: [], steps: [] };
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + s.length : a0;
    const dim = s[a]!;
    const step = steps[i]!;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let st = starts[i]! < 0 ? starts[i]! + dim : starts[i]!;
    let en = ends[i]! < 0 ? ends[i]! + dim : ends[i]!;
    st = step > 0 ? clamp(st, 0, dim) : clamp(st, 0, dim - 1);
    en = step > 0 ? clamp(en, 0, dim) : clamp(en, -1, dim - 1);
    spec.axes.push(a); spec.starts.push(st); spec.ends.push(en); spec.steps.push(step);
  });
  return spec;
}

function picks(s: Shape, spec: SliceSpec): number[][] {
  return s.map((d, ax) => {
    const k = spec.axes.indexOf(ax);
    return k < 0 ? range(0, d) : range(spec.starts[k]!, spec.ends[k]!, spec.steps[k]!);
  });
}

/** Slice: folded on constants (shape chains), Crop on activations. */
export const slice: OpHandler = {
  ops: ['Slice'],
  inferShapes(node, ctx) {
    return [picks(ctx.inShape(node, 0), sliceSpec(node, ctx)).map((p) => p.length)];
  },
  evaluate(node, [x], ctx) {
    const p = picks(x!.dims, sliceSpec(node, ctx));
    return [ConstTensor.fromNumbers(x!.dtype, p.map((q) => q.length), takeBlock(x!.numbers(), x!.dims, p))];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const spec = sliceSpec(node, ctx);
    if (spec.steps.some((st) => st !== 1)) return ctx.fail(node, 'slices with a step other than 1 are not supported by ncnn Crop');
    const b = ctx.batchAxis(node.inputs[0]!);
    ctx.setBatchAxis(node.outputs[0]!, b);
    // Slicing all of the batch axis leaves it as it is.
    const keep = spec.axes.map((a, i) => !(a === b && spec.starts[i] === 0 && spec.ends[i]! >= s[a]!));
    const axes = spec.axes.filter((_, i) => keep[i]);
    const crop = {
      starts: spec.starts.filter((_, i) => keep[i]),
      ends: spec.ends.filter((_, i) => keep[i]),
      axes: axes.map((a) => ncnnAxis(a, s.length, node, ctx, b)),
    };
    ctx.emit(
      layer('Crop', node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
        [9, ints(crop.starts)], [10, ints(crop.ends)], [11, ints(crop.axes)],
      ]),
    );
  },
};
