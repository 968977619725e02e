import { attrInt, producers, type IrGraph, type IrNode } from '../ir/graph.js';
import { clipBounds } from '../ops/activation.js';
import { L2_NORMALIZE, l2NormalizeSupported } from '../ops/normalize.js';
import { reduceAxes } from '../ops/reduce.js';
import { shapeContext } from './shape-context.js';

/**
 * Finds x / max(||x||_2, eps) as exporters write F.normalize, and replaces it with one
 * L2 normalisation node (ncnn Normalize):
 *   Div(x, Expand?(Clip(ReduceL2(x, axis, keepdims=1), min=eps)))
 * with the norm also accepted as Sqrt(ReduceSumSquare(x)) or Sqrt(ReduceSum(x*x | x^2)),
 * and the clamp as Max(norm, eps).
 */
export function fuseL2Normalize(g: IrGraph): number {
  const prod = producers(g);
  const ctx = shapeContext(g);
  let fused = 0;
  const from = (name: string | undefined) => (name ? prod.get(name) : undefined);

  /** Returns [x, axes] if `n` computes the L2 norm of x over axes with keepdims. */
  const normOf = (n: IrNode | undefined): [string, number[]] | undefined => {
    if (!n) return undefined;
    let red = n;
    let squared = false;
    if (n.op === 'Sqrt') {
      red = from(n.inputs[0])!;
      if (!red) return undefined;
      squared = true;
    }
    if (attrInt(red, 'keepdims', 1) !== 1) return undefined;
    if (!squared && red.op === 'ReduceL2') return [red.inputs[0]!, reduceAxes(red, ctx)];
    if (squared && red.op === 'ReduceSumSquare') return [red.inputs[0]!, reduceAxes(red, ctx)];
    if (squared && red.op === 'ReduceSum') {
      const sq = from(red.inputs[0]);
      if (!sq) return undefined;
      const isSquare =
        (sq.op === 'Mul' && sq.inputs[0] === sq.inputs[1]) ||
        (sq.op === 'Pow' && g.consts.get(sq.inputs[1]!)?.numbers()[0] === 2);
      if (isSquare) return [sq.inputs[0]!, reduceAxes(red, ctx)];
    }
    return undefined;
  };

  for (const div of [...g.nodes]) {
    if (div.op !== 'Div') continue;
    const x = div.inputs[0]!;
    let d = from(div.inputs[1]);
    if (d?.op === 'Expand') d = from(d.inputs[0]);
    if (!d) continue;
    let eps: number | undefined;
    let normNode: IrNode | undefined;
    if (d.op === 'Clip') {
      const b = clipBounds(d, ctx);
      if (!b || b[1] < 3e38) continue;
      eps = b[0];
      normNode = from(d.inputs[0]);
    } else if (d.op === 'Max') {
      const c = [0, 1].find((i) => g.consts.get(d!.inputs[i]!)?.size === 1);
      if (c === undefined) continue;
      eps = g.consts.get(d.inputs[c]!)!.numbers()[0]!;
      normNode = from(d.inputs[1 - c]);
    } else {
      continue;
    }
    const nrm = normOf(normNode);
    if (!nrm || nrm[0] !== x || nrm[1].length !== 1) continue;
    const rank = g.shapes.get(x)?.length ?? 0;
    // Left as separate ops where ncnn Normalize cannot express the axis (they may still lower).
    if (!l2NormalizeSupported(rank, nrm[1][0]!)) continue;
    const node: IrNode = {
      op: L2_NORMALIZE,
      name: div.name,
      inputs: [x],
      outputs: [div.outputs[0]!],
      attrs: new Map<string, number>([['axis', nrm[1][0]!], ['eps', eps!]]),
      domain: '',
    };
    if (rank === 0) continue;
    g.nodes.splice(g.nodes.indexOf(div), 1, node);
    fused++;
  }
  return fused;
}
