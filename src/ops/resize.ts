import { attrFloat, attrInt, attrInts, attrFloats, attrString, type IrNode } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { float, int, layer, type ParamValue } from '../ncnn/model.js';
import type { OpHandler, ShapeContext } from './op-handler.js';

/**
 * Resize (opset 10+) / Upsample (opset 7-9) on NCHW -> ncnn Interp.
 *
 * ncnn's Interp (src/layer/interp.cpp) maps output x to an input coordinate with one
 * per-axis factor `ws`: `w / outw` when the output size is given (params 3/4), `1 / scale`
 * when only the scales are (params 1/2, output size then floor(w * scale)).
 *   nearest (0=1):        index = min(trunc(x * ws), w - 1)
 *   bilinear/bicubic:     x_in = (x + 0.5) * ws - 0.5, or x * (w-1)/(outw-1) with align_corner (6=1)
 * ONNX's coordinate_transformation_mode and nearest_mode allow many more mappings, so rather
 * than trusting a table of "equivalent" modes, lowering computes both index/coordinate maps
 * for the real sizes and emits Interp only when they agree; otherwise the node is refused.
 */

interface ResizeSpec {
  /** ONNX output shape. */
  out: Shape;
  /** ONNX scale per axis (out / in when sizes were given). */
  scales: number[];
  /** True when the output size came from a `sizes` input. */
  fromSizes: boolean;
}

/** A full-rank vector from one given for `axes` only (Resize-18), others filled with `fill`. */
function expandAxes(v: number[], axes: number[] | undefined, rank: number, fill: (i: number) => number): number[] {
  if (!axes) return v;
  const full = Array.from({ length: rank }, (_, i) => fill(i));
  axes.forEach((a, k) => { full[a < 0 ? a + rank : a] = v[k]!; });
  return full;
}

function resizeSpec(node: IrNode, ctx: ShapeContext): ResizeSpec {
  const s = ctx.inShape(node, 0);
  const constInput = (i: number) => (node.inputs[i] ? ctx.inConst(node, i) : undefined);
  if (node.op === 'Upsample' || ctx.graph.opset < 11) {
    // Upsample-7 keeps scales in an attribute, Upsample-9 / Resize-10 in input 1.
    const sc = constInput(1)?.numbers() ?? attrFloats(node, 'scales');
    if (!sc) throw new Error('scales are not constant');
    return { out: s.map((d, i) => Math.floor(d * sc[i]!)), scales: sc, fromSizes: false };
  }
  const axes = attrInts(node, 'axes');
  const sizes = constInput(3);
  if (sizes && sizes.size) {
    if (attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') {
      throw new Error(`keep_aspect_ratio_policy '${attrString(node, 'keep_aspect_ratio_policy', '')}' is not supported`);
    }
    const out = expandAxes(sizes.numbers(), axes, s.length, (i) => s[i]!);
    return { out, scales: out.map((o, i) => o / s[i]!), fromSizes: true };
  }
  const scalesT = constInput(2);
  if (!scalesT || !scalesT.size) throw new Error('scales/sizes are not constant');
  const scales = expandAxes(scalesT.numbers(), axes, s.length, () => 1);
  return { out: s.map((d, i) => Math.floor(d * scales[i]!)), scales, fromSizes: false };
}

/** ONNX source coordinate of output index x along one axis (per the Resize spec). */
function onnxCoord(ctm: string, x: number, inp: number, out: number, scale: number): number {
  switch (ctm) {
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return out > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return out === 1 ? 0 : (x * (inp - 1)) / (out - 1);
    case 'asymmetric': return x / scale;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    default: throw new Error(`coordinate_transformation_mode '${ctm}' is not supported by ncnn Interp`);
  }
}

/** onnxruntime's rounding of a nearest source coordinate ('simple' is Upsample's floor). */
function onnxNearest(mode: string, v: number): number {
  switch (mode) {
    case 'round_prefer_floor': return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil': return Math.round(v);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    default: throw new Error(`nearest_mode '${mode}' is not supported`);
  }
}

/** Whether ncnn, with per-axis factor `ws`, reproduces ONNX along one axis. */
function axisMatches(kind: 'nearest' | 'linear' | 'cubic', ctm: string, nearestMode: string, inp: number, out: number, scale: number, ws: number, alignCorner: boolean): boolean {
  const f32 = Math.fround;
  const wsF = f32(ws);
  for (let x = 0; x < out; x++) {
    const src = onnxCoord(ctm, x, inp, out, scale);
    if (kind === 'nearest') {
      const onnx = Math.min(Math.max(onnxNearest(nearestMode, src), 0), inp - 1);
      const ncnn = Math.min(Math.trunc(f32(x * wsF)), inp - 1);
      if (onnx !== ncnn) return false;
      continue;
    }
    const ncnnWs = alignCorner ? (out > 1 ? (inp - 1) / (out - 1) : 0) : inp === out && kind === 'linear' ? 1 : ws;
    const ncnn = alignCorner ? x * ncnnWs : (x + 0.5) * ncnnWs - 0.5;
    // Linear reads clamp the coordinate to the input; cubic taps do not, so compare raw there.
    const clamp = (v: number) => (kind === 'linear' ? Math.min(Math.max(v, 0), inp - 1) : v);
    if (Math.abs(clamp(src) - clamp(ncnn)) > 1e-5 * Math.max(1, inp)) return false;
  }
  return true;
}

export const resize: OpHandler = {
  ops: ['Resize', 'Upsample'],
  inferShapes(node, ctx) {
    return [resizeSpec(node, ctx).out];
  },
  lower(node, ctx) {
    const s = ctx.inShape(node, 0);
    const spec = resizeSpec(node, ctx);
    const out = spec.out;
    if (s.length !== 4 || out[0] !== s[0] || out[1] !== s[1]) return ctx.fail(node, 'only spatial resizing of NCHW tensors is supported');
    const mode = attrString(node, 'mode', 'nearest');
    const kind = mode === 'nearest' ? 'nearest' : mode === 'linear' || mode === 'bilinear' ? 'linear' : mode === 'cubic' ? 'cubic' : undefined;
    if (!kind) return ctx.fail(node, `mode '${mode}' is not supported`);
    const legacy = node.op === 'Upsample' || ctx.graph.opset < 11;
    const ctm = legacy ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    if (ctm === 'tf_crop_and_resize') return ctx.fail(node, "coordinate_transformation_mode 'tf_crop_and_resize' (crop boxes) is not supported by ncnn Interp");
    const nearestMode = legacy ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
    if (kind === 'cubic') {
      if (attrFloat(node, 'cubic_coeff_a', -0.75) !== -0.75) return ctx.fail(node, 'cubic_coeff_a other than -0.75 is not supported (ncnn bicubic uses -0.75)');
      if (attrInt(node, 'exclude_outside', 0) !== 0) return ctx.fail(node, 'exclude_outside=1 is not supported by ncnn bicubic');
    }
    if (attrInt(node, 'antialias', 0) && spec.scales.some((v) => v < 1)) return ctx.fail(node, 'antialiased downscaling is not supported by ncnn Interp');
    if (legacy && kind === 'nearest' && spec.scales.some((v) => v < 1)) return ctx.fail(node, 'nearest downsampling with Upsample/Resize-10 semantics is not supported');
    const alignCorner = kind !== 'nearest' && ctm === 'align_corners';

    // Prefer explicit output sizes (ws = in/out); fall back to scales (ws = 1/scale) when
    // that is what ONNX uses and ncnn's floor(in * scale) gives the same size.
    const [h, w, oh, ow] = [s[2]!, s[3]!, out[2]!, out[3]!];
    const [sh, sw] = [spec.scales[2]!, spec.scales[3]!];
    const matches = (wsH: number, wsW: number) =>
      axisMatches(kind, ctm, nearestMode, h, oh, sh, wsH, alignCorner) && axisMatches(kind, ctm, nearestMode, w, ow, sw, wsW, alignCorner);
    let params: Array<[number, ParamValue]> | undefined;
    if (matches(h / oh, w / ow)) {
      params = [[3, int(oh)], [4, int(ow)]];
    } else {
      const f32 = Math.fround;
      const sizeFromScale = (inp: number, sc: number) => Math.trunc(f32(inp * f32(sc)));
      if (sizeFromScale(h, sh) === oh && sizeFromScale(w, sw) === ow && matches(1 / f32(sh), 1 / f32(sw))) {
        params = [[1, float(sh)], [2, float(sw)]];
      }
    }
    if (!params) {
      const what = kind === 'nearest' ? `nearest (${nearestMode}) with '${ctm}' coordinates` : `${mode} with '${ctm}' coordinates`;
      return ctx.fail(
        node,
        `${what} from ${h}x${w} to ${oh}x${ow} does not match any ncnn Interp mapping`,
        'ncnn samples nearest as floor(x * in/out) and (bi)linear with half-pixel or align-corners coordinates; export with those (e.g. F.interpolate(mode="bilinear", align_corners=False) or integer nearest scale factors)',
      );
    }
    ctx.emit(layer('Interp', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], [
      [0, int(kind === 'nearest' ? 1 : kind === 'linear' ? 2 : 3)], ...params, [6, int(alignCorner ? 1 : 0)],
    ]));
  },
};
