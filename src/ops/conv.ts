import { UnsupportedNodeError } from '../errors.js';
import { attrInt, attrInts, type IrNode } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { floats, int, layer, mainWeights, rawWeights, type ParamValue } from '../ncnn/model.js';
import { checkedOutSize, convOutSize, geometry2d } from './conv-geometry.js';
import type { LowerContext, OpHandler } from './op-handler.js';

/** Conv -> Convolution (group 1) or ConvolutionDepthWise (group > 1, depthwise or grouped). */
export const conv: OpHandler = {
  ops: ['Conv'],

  inferShapes(node, ctx) {
    const x = ctx.inShape(node, 0);
    const w = ctx.inShape(node, 1);
    if (x.length !== 4) throw new Error(`only 2-D convolution is supported (input rank ${x.length})`);
    checkConvWeights(node, x, w);
    const g = geometry2d(node, [w[2]!, w[3]!], x[2]!, x[3]!);
    return [[
      x[0]!,
      w[0]!,
      checkedOutSize(node, convOutSize(x[2]!, g.kh, g.sh, g.dh, g.top, g.bottom), 'height'),
      checkedOutSize(node, convOutSize(x[3]!, g.kw, g.sw, g.dw, g.left, g.right), 'width'),
    ]];
  },

  lower(node, ctx) {
    lowerConvLike(node, ctx, 'Convolution');
  },
};

/**
 * Weights against the input and the attributes, as onnxruntime checks them: `group`
 * divides the input and output channels, each group's weights span C/group input
 * channels, and a given kernel_shape is the weights' own.
 */
export function checkConvWeights(node: IrNode, x: Shape, w: Shape): void {
  const fail = (why: string): never => {
    throw new UnsupportedNodeError(node.op, node.name, why);
  };
  if (w.length !== 4) fail(`weights have rank ${w.length}; 2-D convolution needs 4-D weights`);
  const group = attrInt(node, 'group', 1);
  if (!Number.isSafeInteger(group) || group < 1) fail(`group=${group} is invalid`);
  if (x[1]! % group !== 0 || w[0]! % group !== 0) fail(`group=${group} does not divide the ${x[1]} input and ${w[0]} output channels`);
  if (w[1]! * group !== x[1]) {
    fail(`weights ${JSON.stringify(w)} with group=${group} expect ${w[1]! * group} input channels, the input has ${x[1]}`);
  }
  const ks = attrInts(node, 'kernel_shape');
  if (ks && (ks.length !== 2 || ks[0] !== w[2] || ks[1] !== w[3])) fail(`kernel_shape=${JSON.stringify(ks)} disagrees with the weights' ${w[2]}x${w[3]} kernel`);
}

/** Shared by Conv and fused forms: emits Convolution/ConvolutionDepthWise from const W (and B). */
export function lowerConvLike(node: IrNode, ctx: LowerContext, base: 'Convolution'): void {
  const W = ctx.inConst(node, 1);
  if (!W) return ctx.fail(node, 'weights are not constant', 'edgeface needs constant convolution weights (no dynamic kernels)');
  const x = ctx.inShape(node, 0);
  if (x.length !== 4 || W.dims.length !== 4) return ctx.fail(node, 'only 2-D convolution is supported');
  const B = node.inputs[2] ? ctx.inConst(node, 2) : undefined;
  if (node.inputs[2] && !B) return ctx.fail(node, 'bias is not constant');
  const group = attrInt(node, 'group', 1);
  const g = geometry2d(node, [W.dims[2]!, W.dims[3]!], x[2]!, x[3]!);
  const numOutput = W.dims[0]!;
  const params: Array<[number, ParamValue]> = [
    [0, int(numOutput)], [1, int(g.kw)], [11, int(g.kh)], [2, int(g.dw)], [12, int(g.dh)],
    [3, int(g.sw)], [13, int(g.sh)], [4, int(g.left)], [14, int(g.top)], [15, int(g.right)], [16, int(g.bottom)],
    [5, int(B ? 1 : 0)], [6, int(W.size)],
  ];
  if (group > 1) params.push([7, int(group)]);
  const act = fusedActivationParams(node);
  params.push(...act);
  const weights = [mainWeights(() => W.floats())];
  if (B) weights.push(rawWeights(B.floats()));
  ctx.emit(layer(group > 1 ? `${base}DepthWise` : base, node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], params, weights));
}

/**
 * Activation fused by the fuse-activation pass, stored on the node as `_act` (ncnn
 * activation_type) and `_act_params`; ncnn applies it inside the convolution kernel.
 */
export function fusedActivationParams(node: IrNode): Array<[number, ParamValue]> {
  const t = node.attrs.get('_act');
  if (typeof t !== 'number' || t === 0) return [];
  const p = node.attrs.get('_act_params');
  const out: Array<[number, ParamValue]> = [[9, int(t)]];
  if (Array.isArray(p) && p.length) out.push([10, floats(p as number[])]);
  return out;
}
