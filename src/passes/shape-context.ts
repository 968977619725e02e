import { UnsupportedNodeError } from '../errors.js';
import { shapeOf, type IrGraph, type IrNode } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { handlerFor } from '../ops/registry.js';
import type { OpHandler, ShapeContext } from '../ops/op-handler.js';
import { supportedOps } from '../ops/registry.js';

export function shapeContext(g: IrGraph): ShapeContext {
  return {
    graph: g,
    inShape(node, i) {
      const s = shapeOf(g, node.inputs[i] ?? '');
      if (!s) throw new UnsupportedNodeError(node.op, node.name, `shape of input '${node.inputs[i]}' is unknown`);
      return s;
    },
    inConst(node, i) {
      const n = node.inputs[i];
      return n ? g.consts.get(n) : undefined;
    },
  };
}

/** The handler for a node, or the standard unsupported-op error naming it. */
export function requireHandler(g: IrGraph, node: IrNode): OpHandler {
  const h = node.domain === '' || node.domain === 'ai.onnx' || node.op.startsWith('edgeface.') ? handlerFor(node.op) : undefined;
  if (!h) {
    throw new UnsupportedNodeError(
      node.op,
      node.name,
      `op ${node.domain ? `${node.domain}::` : ''}${node.op} is not supported by edgeface`,
      `supported ops: ${supportedOps().join(', ')}. Re-export without this op (e.g. replace it in the PyTorch model) or open an issue with the model`,
    );
  }
  return h;
}

/** Runs a handler callback, turning plain errors into ones naming the node. */
export function atNode<T>(node: IrNode, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnsupportedNodeError) throw e;
    throw new UnsupportedNodeError(node.op, node.name, (e as Error).message);
  }
}

export function inferNode(g: IrGraph, node: IrNode, ctx: ShapeContext): Shape[] {
  const h = requireHandler(g, node);
  return atNode(node, () => h.inferShapes(node, ctx));
}

/**
 * Fixes graph input shapes: the batch axis becomes 1 (ncnn has none) and an explicit
 * override wins; any other symbolic dim is an error naming the input.
 */
export function seedInputShapes(g: IrGraph, overrides: Map<string, Shape> = new Map()): void {
  for (const inp of g.inputs) {
    const o = overrides.get(inp.name);
    if (o) {
      g.shapes.set(inp.name, o);
      continue;
    }
    const dims = inp.dims.map((d, i) => (d === null && i === 0 ? 1 : d));
    const unknown = dims.findIndex((d) => d === null);
    if (unknown >= 0) {
      throw new UnsupportedNodeError('input', inp.name, `dimension ${unknown} is symbolic`, `give it with --input-shape ${inp.name}:1,3,112,112`);
    }
    if (dims[0] !== 1 && dims.length > 0) {
      // A fixed batch > 1 export: ncnn still runs one sample; convert as batch 1.
      dims[0] = 1;
    }
    g.shapes.set(inp.name, dims as number[]);
  }
}
