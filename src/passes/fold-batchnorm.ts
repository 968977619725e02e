import { attrFloat, attrInt, bypassNode, consumers, producers, type IrGraph, type IrNode } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';

/** Per-channel affine equivalent of an inference BatchNormalization: y = x * scale + shift. */
function bnAffine(g: IrGraph, bn: IrNode): { scale: Float32Array; shift: Float32Array } | undefined {
  const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => g.consts.get(n));
  if (!gamma || !beta || !mean || !variance) return undefined;
  const eps = attrFloat(bn, 'epsilon', 1e-5);
  const [ga, be, me, va] = [gamma.floats(), beta.floats(), mean.floats(), variance.floats()];
  const scale = new Float32Array(ga.length);
  const shift = new Float32Array(ga.length);
  for (let c = 0; c < ga.length; c++) {
    scale[c] = ga[c]! / Math.sqrt(va[c]! + eps);
    shift[c] = be[c]! - me[c]! * scale[c]!;
  }
  return { scale, shift };
}

/**
 * Rewrites `node` so its output is BN(node(x)): every weight feeding output channel o is
 * multiplied by scale[o], and the bias of o becomes bias*scale + shift.
 */
function foldInto(g: IrGraph, node: IrNode, scale: Float32Array, shift: Float32Array): boolean {
  const W = g.consts.get(node.inputs[1]!);
  if (!W) return false;
  const n = scale.length;
  const d = W.dims;
  // The scaling is a lazy transform: weights are read and scaled when written, so
  // folding keeps no second copy of the model in memory.
  let scaleWeights: (w: Float32Array) => void;
  if (node.op === 'Conv') {
    if (d[0] !== n) return false;
    scaleWeights = (w) => {
      const per = w.length / n;
      for (let o = 0; o < n; o++) for (let k = 0; k < per; k++) w[o * per + k]! *= scale[o]!;
    };
  } else if (node.op === 'ConvTranspose') {
    const group = attrInt(node, 'group', 1);
    const [cin, coutPg] = [d[0]!, d[1]!];
    if (coutPg * group !== n) return false;
    scaleWeights = (w) => {
      const k = w.length / (cin * coutPg);
      const cinPg = cin / group;
      for (let ic = 0; ic < cin; ic++) {
        const gi = Math.floor(ic / cinPg);
        for (let oc = 0; oc < coutPg; oc++) {
          const s = scale[gi * coutPg + oc]!;
          for (let j = 0; j < k; j++) w[(ic * coutPg + oc) * k + j]! *= s;
        }
      }
    };
  } else {
    // Gemm / MatMul: output column o of B ([K,N], or [N,K] with transB).
    const transB = node.op === 'Gemm' && attrInt(node, 'transB', 0) === 1;
    const [rows, cols] = [d[0]!, d[1]!];
    if ((transB ? rows : cols) !== n) return false;
    const alpha = node.op === 'Gemm' ? attrFloat(node, 'alpha', 1) : 1;
    scaleWeights = (w) => {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) w[r * cols + c]! *= alpha * scale[transB ? r : c]!;
    };
  }
  // New bias: old bias (beta-scaled for Gemm) through the BN, plus its shift.
  const biasIdx = 2;
  const oldBias = node.inputs[biasIdx] ? g.consts.get(node.inputs[biasIdx]!) : undefined;
  if (node.inputs[biasIdx] && !oldBias) return false;
  const name = `${node.name}_bn_folded_weight`;
  g.consts.set(name, ConstTensor.lazy(d, () => {
    const w = W.floatsCopy();
    scaleWeights(w);
    return w;
  }));
  node.inputs[1] = name;
  const beta = node.op === 'Gemm' ? attrFloat(node, 'beta', 1) : 1;
  const ob = oldBias?.floats();
  const bias = new Float32Array(n);
  for (let o = 0; o < n; o++) bias[o] = (ob ? beta * ob[ob.length === 1 ? 0 : o]! : 0) * scale[o]! + shift[o]!;
  const biasName = `${node.name}_bn_folded_bias`;
  g.consts.set(biasName, ConstTensor.fromFloats([n], bias));
  if (node.op === 'MatMul') {
    node.op = 'Gemm';
    node.attrs.set('transB', 0);
  }
  if (node.op === 'Gemm') {
    node.attrs.set('alpha', 1);
    node.attrs.set('beta', 1);
  }
  node.inputs[biasIdx] = biasName;
  return true;
}

/**
 * Folds BatchNormalization into the Conv / ConvTranspose / Gemm / MatMul feeding it (what
 * exports without constant folding leave, and BatchNorm1d after the embedding Linear).
 * Only when the BN is the producer's sole consumer; a BN before a padded conv stays.
 */
export function foldBatchNorm(g: IrGraph): number {
  let folded = 0;
  const prod = producers(g);
  const cons = consumers(g);
  for (const bn of [...g.nodes]) {
    if (bn.op !== 'BatchNormalization' || bn.outputs.length > 1 && bn.outputs.slice(1).some((o) => o)) continue;
    const src = bn.inputs[0]!;
    const p = prod.get(src);
    if (!p || !['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(p.op)) continue;
    if ((cons.get(src) ?? []).length !== 1 || g.outputs.includes(src)) continue;
    if (p.op === 'MatMul' && ((g.consts.get(p.inputs[1]!)?.dims.length ?? 0) !== 2 || (g.shapes.get(p.inputs[0]!)?.length ?? 0) !== 2)) continue;
    if (p.op === 'Gemm' && attrInt(p, 'transA', 0)) continue;
    const aff = bnAffine(g, bn);
    if (!aff || !foldInto(g, p, aff.scale, aff.shift)) continue;
    bypassNode(g, bn);
    folded++;
  }
  return folded;
}
