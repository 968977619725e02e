import type { IrGraph } from '../ir/graph.js';
import { inferNode, shapeContext } from './shape-context.js';

/** Recomputes every non-constant value's shape in topological order (after rewrites). */
export function inferShapes(g: IrGraph): void {
  const ctx = shapeContext(g);
  for (const node of g.nodes) {
    inferNode(g, node, ctx).forEach((s, k) => {
      if (node.outputs[k]) g.shapes.set(node.outputs[k]!, s);
    });
  }
}
