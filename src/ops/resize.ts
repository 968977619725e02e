import { attrFloats, attrString, type IrNode } from '../ir/graph.js';
import { float, int, layer } from '../ncnn/model.js';
import type { OpHandler, ShapeContext } from './op-handler.js';

/** Output size of Resize (opset 10+: scales or sizes input) / Upsample (scales input or attr). */
function outputSize(node: IrNode, ctx: ShapeContext): number[] {
  const s = ctx.inShape(node, 0);
  const constInput = (i: number) => (node.inputs[i] ? ctx.inConst(node, i) : undefined);
  if (node.op === 'Resize') {
    const sizes = constInput(3);
    if (sizes && sizes.size) return sizes.numbers();
    const scales = constInput(node.inputs.length >= 3 ? 2 : 1);
    if (!scales || !scales.size) throw new Error('scales/sizes are not constant');
    return s.map((d, i) => Math.floor(d * scales.numbers()[i]!));
  }
  const sc = constInput(1)?.numbers() ?? attrFloats(node, 'scales');
  if (!sc) throw new Error('scales are not constant');
  return s.map((d, i) => Math.floor(d * sc[i]!));
}

/** Resize/Upsample on NCHW -> Interp with explicit output size. */
export const resize: OpHandler = {
  ops: ['Resize', 'Upsample'],
  inferShapes(node, ctx) {
    return [outputSize(node, ctx)];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const out = ctx.outShape(node, 0);
    if (s.length !== 4 || out[0] !== s[0] || out[1] !== s[1]) return ctx.fail(node, 'only spatial resizing of NCHW tensors is supported');
    const mode = attrString(node, 'mode', 'nearest');
    const type = mode === 'nearest' ? 1 : mode === 'linear' || mode === 'bilinear' ? 2 : mode === 'cubic' ? 3 : 0;
    if (!type) return ctx.fail(node, `mode '${mode}' is not supported`);
    const ctm = attrString(node, 'coordinate_transformation_mode', node.op === 'Upsample' ? 'asymmetric' : 'half_pixel');
    if (type === 1 && ctm !== 'asymmetric' && attrString(node, 'nearest_mode', 'round_prefer_floor') !== 'floor' && node.op === 'Resize') {
      // ncnn's nearest is floor(dst * in/out): matches asymmetric + floor only.
      if (!(out[2]! % s[2]! === 0 && out[3]! % s[3]! === 0)) return ctx.fail(node, `nearest mode with ${ctm} coordinates is not supported by ncnn`);
    }
    const alignCorner = ctm === 'align_corners' ? 1 : 0;
    ctx.emit(
      layer('Interp', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
        [0, int(type)], [1, float(out[2]! / s[2]!)], [2, float(out[3]! / s[3]!)], [3, int(out[2]!)], [4, int(out[3]!)], [6, int(alignCorner)],
      ]),
    );
  },
};
