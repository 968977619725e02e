import { attrInt, bypassNode, type IrGraph } from '../ir/graph.js';
import { ONNX_DTYPES, isFloatType } from '../ir/tensor.js';

/**
 * Drops pass-through nodes: Identity, inference-mode Dropout (its mask output unused),
 * and float-to-float Cast (ncnn blobs are float anyway).
 */
export function removeIdentity(g: IrGraph): number {
  let removed = 0;
  for (const node of [...g.nodes]) {
    const castNoop = node.op === 'Cast' && isFloatType(ONNX_DTYPES[attrInt(node, 'to', 1)] ?? 'int64') && !g.consts.has(node.inputs[0]!);
    const dropoutNoop = node.op === 'Dropout' && !(node.outputs[1] && g.nodes.some((n) => n.inputs.includes(node.outputs[1]!)));
    if (node.op === 'Identity' || dropoutNoop || castNoop) {
      bypassNode(g, node);
      removed++;
    }
  }
  return removed;
}
