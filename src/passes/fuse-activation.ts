import { attrFloat, consumers, producers, type IrGraph, type IrNode } from '../ir/graph.js';
import { clipBounds } from '../ops/activation.js';
import { shapeContext } from './shape-context.js';

/** ncnn activation_type ids for fused activations (Convolution/InnerProduct param 9). */
function activationOf(g: IrGraph, act: IrNode): [number, number[]] | undefined {
  switch (act.op) {
    case 'Relu': return [1, []];
    case 'LeakyRelu': return [2, [attrFloat(act, 'alpha', 0.01)]];
    case 'Clip': {
      const b = clipBounds(act, shapeContext(g));
      return b ? [3, b] : undefined;
    }
    case 'Sigmoid': return [4, []];
    case 'Mish': return [5, []];
    case 'HardSwish': return [6, [1 / 6, 0.5]];
    default: return undefined;
  }
}

function lowersToInnerProductOrConv(g: IrGraph, p: IrNode): boolean {
  if (p.op === 'Conv' || p.op === 'ConvTranspose' || p.op === 'Gemm') return g.consts.has(p.inputs[1]!);
  if (p.op === 'MatMul') return g.consts.get(p.inputs[1]!)?.dims.length === 2 && g.shapes.get(p.inputs[0]!)?.length === 2;
  return false;
}

/**
 * Moves an activation into the Convolution/InnerProduct before it (ncnn runs it inside the
 * kernel, saving a pass over the blob). PReLU has no fused form in ncnn and stays a layer.
 */
export function fuseActivation(g: IrGraph): number {
  let fused = 0;
  const prod = producers(g);
  const cons = consumers(g);
  for (const act of [...g.nodes]) {
    const src = act.inputs[0]!;
    const p = prod.get(src);
    if (!p || p.attrs.has('_act') || !lowersToInnerProductOrConv(g, p)) continue;
    if ((cons.get(src) ?? []).length !== 1 || g.outputs.includes(src)) continue;
    const a = activationOf(g, act);
    if (!a) continue;
    p.attrs.set('_act', a[0]);
    p.attrs.set('_act_params', a[1]);
    p.outputs[0] = act.outputs[0]!;
    g.shapes.set(act.outputs[0]!, g.shapes.get(src)!);
    g.nodes.splice(g.nodes.indexOf(act), 1);
    prod.set(act.outputs[0]!, p);
    fused++;
  }
  return fused;
}
