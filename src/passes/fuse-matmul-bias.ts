import { consumers, type IrGraph } from '../ir/graph.js';

/** The internal op a token-wise linear layer with bias becomes (lowered by ops/matmul.ts). */
export const MATMUL_BIAS = 'edgeface.MatMulBias';

/**
 * nn.Linear on token sequences ([1, T, K] x const [K, N], then + const bias [N]), as
 * transformers export it, becomes one node carrying the bias, so it lowers to a single ncnn
 * Gemm instead of a Gemm and a broadcast BinaryOp. 2-D inputs (CNN heads) are left alone.
 */
export function fuseMatMulBias(g: IrGraph): number {
  const uses = consumers(g);
  let fused = 0;
  for (const mm of [...g.nodes]) {
    if (mm.op !== 'MatMul') continue;
    const a = g.shapes.get(mm.inputs[0]!);
    const B = g.consts.get(mm.inputs[1]!);
    if (!a || a.length < 3 || !B || B.dims.length !== 2 || g.consts.has(mm.inputs[0]!)) continue;
    const out = mm.outputs[0]!;
    const next = uses.get(out);
    if (!next || next.length !== 1 || next[0]!.op !== 'Add' || g.outputs.includes(out)) continue;
    const add = next[0]!;
    const bias = add.inputs.find((v) => v !== out);
    const C = bias ? g.consts.get(bias) : undefined;
    if (!C || C.size !== B.dims[1] || C.dims.slice(0, -1).some((d) => d !== 1)) continue;
    g.nodes.splice(g.nodes.indexOf(add), 1);
    g.nodes.splice(g.nodes.indexOf(mm), 1, { ...mm, op: MATMUL_BIAS, inputs: [mm.inputs[0]!, mm.inputs[1]!, bias!], outputs: [add.outputs[0]!] });
    fused++;
  }
  return fused;
}
