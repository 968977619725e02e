import type { IrGraph } from '../ir/graph.js';

/** Removes nodes whose outputs never reach a graph output, and constants nobody reads. */
export function removeDeadNodes(g: IrGraph): number {
  const live = new Set(g.outputs);
  const kept = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (n.outputs.some((o) => live.has(o))) {
      kept.push(n);
      for (const inp of n.inputs) if (inp) live.add(inp);
    }
  }
  const removed = g.nodes.length - kept.length;
  g.nodes = kept.reverse();
  for (const name of [...g.consts.keys()]) if (!live.has(name)) g.consts.delete(name);
  return removed;
}
