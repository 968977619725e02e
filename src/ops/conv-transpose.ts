import { attrInt, attrInts, attrString, type IrNode } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { int, layer, mainWeights, rawWeights, type ParamValue } from '../ncnn/model.js';
import { fusedActivationParams } from './conv.js';
import { checkedAutoPad, checkedInts, checkedOutSize } from './conv-geometry.js';
import type { OpHandler } from './op-handler.js';

/**
 * Per-axis geometry of a ConvTranspose, as onnxruntime computes it: the "full" output
 * s*(in-1) + dilated kernel + output_padding is cropped by `head`/`tail` (explicit pads, or
 * derived from output_shape / auto_pad: SAME_UPPER puts the smaller half first, NOTSET and
 * SAME_LOWER the larger), or grown at the end by `extra` when output_shape asks for more.
 */
interface DeconvAxis { k: number; s: number; d: number; head: number; tail: number; outPad: number; out: number }

function deconvAxis(inp: number, k: number, s: number, d: number, outPadAttr: number, pads: [number, number] | undefined, autoPad: string, wanted: number | undefined): DeconvAxis {
  const full = s * (inp - 1) + (k - 1) * d + 1 + outPadAttr;
  let target = wanted;
  if (target === undefined && (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')) target = inp * s;
  if (target === undefined) {
    const [head, tail] = autoPad === 'VALID' || !pads ? [0, 0] : pads;
    return { k, s, d, head, tail, outPad: outPadAttr, out: full - head - tail };
  }
  const total = full - target;
  if (total < 0) return { k, s, d, head: 0, tail: 0, outPad: outPadAttr - total, out: target };
  const head = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
  return { k, s, d, head, tail: total - head, outPad: outPadAttr, out: target };
}

function deconvGeometry(node: IrNode, x: Shape, kh: number, kw: number): [DeconvAxis, DeconvAxis] {
  checkedInts(node, 'kernel_shape', attrInts(node, 'kernel_shape') ?? [kh, kw], 2, 1);
  const [sh, sw] = checkedInts(node, 'strides', attrInts(node, 'strides') ?? [1, 1], 2, 1);
  const [dh, dw] = checkedInts(node, 'dilations', attrInts(node, 'dilations') ?? [1, 1], 2, 1);
  const [oph, opw] = checkedInts(node, 'output_padding', attrInts(node, 'output_padding') ?? [0, 0], 2, 0);
  const pa = attrInts(node, 'pads');
  const p = pa ? checkedInts(node, 'pads', pa, 4, 0) : undefined;
  const autoPad = checkedAutoPad(node);
  const os = attrInts(node, 'output_shape');
  if (os) checkedInts(node, 'output_shape', os.slice(-2), 2, 1);
  const wanted = os ? os.slice(-2) : [undefined, undefined];
  return [
    deconvAxis(x[2]!, kh, sh, dh, oph, p ? [p[0]!, p[2]!] : undefined, autoPad, wanted[0]),
    deconvAxis(x[3]!, kw, sw, dw, opw, p ? [p[1]!, p[3]!] : undefined, autoPad, wanted[1]),
  ];
}

/** ConvTranspose -> Deconvolution / DeconvolutionDepthWise. */
export const convTranspose: OpHandler = {
  ops: ['ConvTranspose'],

  inferShapes(node, ctx) {
    const x = ctx.inShape(node, 0);
    const w = ctx.inShape(node, 1);
    if (x.length !== 4 || w.length !== 4) throw new Error('only 2-D transposed convolution is supported');
    const group = attrInt(node, 'group', 1);
    if (!Number.isSafeInteger(group) || group < 1 || x[1]! % group !== 0) throw new Error(`group=${group} does not divide the ${x[1]} input channels`);
    if (w[0] !== x[1]) throw new Error(`weights ${JSON.stringify(w)} expect ${w[0]} input channels, the input has ${x[1]}`);
    const ks = attrInts(node, 'kernel_shape');
    if (ks && (ks[0] !== w[2] || ks[1] !== w[3])) throw new Error(`kernel_shape=${JSON.stringify(ks)} disagrees with the weights' ${w[2]}x${w[3]} kernel`);
    const [gh, gw] = deconvGeometry(node, x, w[2]!, w[3]!);
    return [[x[0]!, w[1]! * group, checkedOutSize(node, gh.out, 'height'), checkedOutSize(node, gw.out, 'width')]];
  },

  lower(node, ctx) {
    const W = ctx.inConst(node, 1);
    if (!W || W.dims.length !== 4) return ctx.fail(node, 'weights must be a constant 4-D tensor');
    const x = ctx.inShape(node, 0);
    const out = ctx.outShape(node, 0);
    const B = node.inputs[2] ? ctx.inConst(node, 2) : undefined;
    if (node.inputs[2] && !B) return ctx.fail(node, 'bias is not constant');
    const group = attrInt(node, 'group', 1);
    const [cin, coutPerGroup, kh, kw] = W.dims as [number, number, number, number];
    const numOutput = coutPerGroup * group;
    const cinPerGroup = cin / group;
    const [gh, gw] = deconvGeometry(node, x, kh, kw);
    // ncnn builds the full output (+ output_pad_right/bottom at the end), then crops the pads.
    const params: Array<[number, ParamValue]> = [
      [0, int(numOutput)], [1, int(kw)], [11, int(kh)], [2, int(gw.d)], [12, int(gh.d)],
      [3, int(gw.s)], [13, int(gh.s)], [4, int(gw.head)], [14, int(gh.head)], [15, int(gw.tail)], [16, int(gh.tail)],
      [18, int(gw.outPad)], [19, int(gh.outPad)], [5, int(B ? 1 : 0)], [6, int(W.size)],
    ];
    if (group > 1) params.push([7, int(group)]);
    params.push(...fusedActivationParams(node));
    // ONNX stores [g][cin/g][cout/g][k]; ncnn wants [g][cout/g][cin/g][k] (reordered when written).
    const weights = [mainWeights(() => {
      const src = W.floats();
      const dst = new Float32Array(src.length);
      const k = kh * kw;
      let o = 0;
      for (let gi = 0; gi < group; gi++) {
        for (let oc = 0; oc < coutPerGroup; oc++) {
          for (let ic = 0; ic < cinPerGroup; ic++) {
            const s = ((gi * cinPerGroup + ic) * coutPerGroup + oc) * k;
            dst.set(src.subarray(s, s + k), o);
            o += k;
          }
        }
      }
      return dst;
    })];
    if (B) weights.push(rawWeights(B.floats()));
    ctx.emit(layer(group > 1 ? 'DeconvolutionDepthWise' : 'Deconvolution', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], params, weights));
  },
};
