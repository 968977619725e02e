import type { IrGraph } from '../ir/graph.js';
import { atNode, inferNode, requireHandler, shapeContext } from './shape-context.js';

/**
 * Evaluates every node whose result is known before inference: nodes with only constant
 * inputs, and Shape of a value whose shape is known. Shapes are inferred along the way,
 * because `x.view(x.size(0), -1)` chains (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape) only become constant once the input shape flows down to them.
 */
export function foldConstants(g: IrGraph): number {
  const ctx = shapeContext(g);
  const kept = [];
  let folded = 0;
  for (const node of g.nodes) {
    const h = requireHandler(g, node);
    const ins = node.inputs.map((i) => (i ? g.consts.get(i) : undefined));
    const allConst = node.inputs.every((i, k) => !i || ins[k] !== undefined);
    const canFold = h.evaluate && (node.op === 'Shape' ? g.shapes.has(node.inputs[0]!) || allConst : allConst && node.inputs.some((i) => i));
    if (canFold) {
      const outs = atNode(node, () => h.evaluate!(node, ins, ctx));
      outs.forEach((t, k) => g.consts.set(node.outputs[k]!, t));
      folded++;
      continue;
    }
    inferNode(g, node, ctx).forEach((s, k) => g.shapes.set(node.outputs[k]!, s));
    kept.push(node);
  }
  g.nodes = kept;
  return folded;
}
