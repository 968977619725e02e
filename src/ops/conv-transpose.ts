import { attrInt, attrInts } from '../ir/graph.js';
import { int, layer, mainWeights, rawWeights, type ParamValue } from '../ncnn/model.js';
import { geometry2d } from './conv-geometry.js';
import { fusedActivationParams } from './conv.js';
import type { OpHandler } from './op-handler.js';

function outSize(inp: number, k: number, s: number, d: number, p0: number, p1: number, outPad: number): number {
  return s * (inp - 1) + outPad + ((k - 1) * d + 1) - p0 - p1;
}

/** ConvTranspose -> Deconvolution / DeconvolutionDepthWise. */
export const convTranspose: OpHandler = {
  ops: ['ConvTranspose'],

  inferShapes(node, ctx) {
    const x = ctx.inShape(node, 0);
    const w = ctx.inShape(node, 1);
    const group = attrInt(node, 'group', 1);
    const explicit = attrInts(node, 'output_shape');
    if (explicit) return [[x[0]!, w[1]! * group, explicit[explicit.length - 2]!, explicit[explicit.length - 1]!]];
    const g = geometry2d(node, [w[2]!, w[3]!], x[2]!, x[3]!);
    const [oph, opw] = (attrInts(node, 'output_padding') ?? [0, 0]) as [number, number];
    return [[x[0]!, w[1]! * group, outSize(x[2]!, g.kh, g.sh, g.dh, g.top, g.bottom, oph), outSize(x[3]!, g.kw, g.sw, g.dw, g.left, g.right, opw)]];
  },

  lower(node, ctx) {
    const W = ctx.inConst(node, 1);
    if (!W || W.dims.length !== 4) return ctx.fail(node, 'weights must be a constant 4-D tensor');
    const x = ctx.inShape(node, 0);
    const out = ctx.outShape(node, 0);
    const B = node.inputs[2] ? ctx.inConst(node, 2) : undefined;
    if (node.inputs[2] && !B) return ctx.fail(node, 'bias is not constant');
    const group = attrInt(node, 'group', 1);
    if (attrInts(node, 'output_shape') && attrInts(node, 'pads') === undefined && node.attrs.has('auto_pad')) {
      ctx.fail(node, 'output_shape with auto_pad is not supported');
    }
    const g = geometry2d(node, [W.dims[2]!, W.dims[3]!], x[2]!, x[3]!);
    const [cin, coutPerGroup, kh, kw] = W.dims as [number, number, number, number];
    const numOutput = coutPerGroup * group;
    const cinPerGroup = cin / group;
    // ONNX stores [g][cin/g][cout/g][k]; ncnn wants [g][cout/g][cin/g][k].
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
    // Extra rows/cols beyond the plain formula (output_padding / output_shape) go to
    // ncnn's output_pad_right/bottom; pads are applied as crops by the runtime.
    const natural = (i: number, kk: number, s: number, d: number, p0: number, p1: number) => outSize(i, kk, s, d, p0, p1, 0);
    const padB = out[2]! - natural(x[2]!, g.kh, g.sh, g.dh, g.top, g.bottom);
    const padR = out[3]! - natural(x[3]!, g.kw, g.sw, g.dw, g.left, g.right);
    const params: Array<[number, ParamValue]> = [
      [0, int(numOutput)], [1, int(g.kw)], [11, int(g.kh)], [2, int(g.dw)], [12, int(g.dh)],
      [3, int(g.sw)], [13, int(g.sh)], [4, int(g.left)], [14, int(g.top)], [15, int(g.right)], [16, int(g.bottom)],
      [18, int(padR)], [19, int(padB)], [5, int(B ? 1 : 0)], [6, int(W.size)],
    ];
    if (group > 1) params.push([7, int(group)]);
    params.push(...fusedActivationParams(node));
    const weights = [mainWeights(dst)];
    if (B) weights.push(rawWeights(B.floats()));
    ctx.emit(layer(group > 1 ? 'DeconvolutionDepthWise' : 'Deconvolution', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], params, weights));
  },
};
