import { bypassNode, consumers, type IrGraph } from '../ir/graph.js';

/**
 * Global pooling followed only by a Flatten (or Reshape to [1, C]): ncnn's global Pooling
 * already yields a flat [C] blob, so the Flatten is dropped and the pool marked `_flat`.
 */
export function removeFlattenAfterGlobalPool(g: IrGraph): number {
  let removed = 0;
  const cons = consumers(g);
  for (const pool of [...g.nodes]) {
    if (pool.op !== 'GlobalAveragePool' && pool.op !== 'GlobalMaxPool') continue;
    const out = pool.outputs[0]!;
    const users = cons.get(out) ?? [];
    if (users.length !== 1 || g.outputs.includes(out)) continue;
    const f = users[0]!;
    const flatShape = g.shapes.get(f.outputs[0]!);
    const isFlatten = (f.op === 'Flatten' || f.op === 'Reshape') && flatShape?.length === 2 && f.inputs[0] === out;
    if (!isFlatten) continue;
    pool.attrs.set('_flat', 1);
    g.shapes.set(out, flatShape!);
    bypassNode(g, f);
    removed++;
  }
  return removed;
}
