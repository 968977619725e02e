import type { IrGraph, IrNode } from '../ir/graph.js';
import { FoldBudget } from './fold-budget.js';
import { atNode, inferNode, requireHandler, shapeContext } from './shape-context.js';

/** How many nodes still read each value (graph outputs count as a reader). */
function remainingUses(g: IrGraph): Map<string, number> {
  const uses = new Map<string, number>();
  const add = (v: string) => uses.set(v, (uses.get(v) ?? 0) + 1);
  for (const n of g.nodes) for (const i of n.inputs) if (i) add(i);
  for (const o of g.outputs) add(o);
  return uses;
}

/** Drops folded intermediates nobody reads any more, so a long folded chain holds one value at a time. */
function release(g: IrGraph, node: IrNode, uses: Map<string, number>): void {
  for (const i of node.inputs) {
    if (!i) continue;
    const left = (uses.get(i) ?? 0) - 1;
    uses.set(i, left);
    if (left === 0) g.consts.delete(i);
  }
}

/**
 * Evaluates every node whose result is known before inference: nodes with only constant
 * inputs, and Shape of a value whose shape is known. Shapes are inferred along the way,
 * because `x.view(x.size(0), -1)` chains (Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape) only become constant once the input shape flows down to them.
 */
export function foldConstants(g: IrGraph): number {
  const ctx = shapeContext(g);
  const budget = new FoldBudget(g);
  const uses = remainingUses(g);
  const kept = [];
  let folded = 0;
  for (const node of g.nodes) {
    const h = requireHandler(g, node);
    const ins = node.inputs.map((i) => (i ? g.consts.get(i) : undefined));
    const allConst = node.inputs.every((i, k) => !i || ins[k] !== undefined);
    const canFold = h.evaluate && (node.op === 'Shape' ? g.shapes.has(node.inputs[0]!) || allConst : allConst && node.inputs.some((i) => i));
    if (canFold) {
      // The result's size is known from its shape rule before anything is allocated.
      budget.charge(node, inferNode(g, node, ctx));
      const outs = atNode(node, () => h.evaluate!(node, ins, ctx));
      outs.forEach((t, k) => g.consts.set(node.outputs[k]!, t));
      folded++;
      release(g, node, uses);
      continue;
    }
    inferNode(g, node, ctx).forEach((s, k) => g.shapes.set(node.outputs[k]!, s));
    kept.push(node);
  }
  g.nodes = kept;
  return folded;
}
