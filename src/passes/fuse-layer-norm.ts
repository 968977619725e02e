import { attrInt, consumers, producers, type IrGraph, type IrNode } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';
import { reduceAxes } from '../ops/reduce.js';
import { shapeContext } from './shape-context.js';

/**
 * Finds layer normalisation as exporters before opset 17 write it,
 *   d = x - ReduceMean(x);  y = d / Sqrt(ReduceMean(d^2) + eps)  [* gamma] [+ beta]
 * over the trailing axes, and replaces it with one LayerNormalization node (ncnn LayerNorm).
 */
export function fuseLayerNorm(g: IrGraph): number {
  const prod = producers(g);
  const uses = consumers(g);
  const ctx = shapeContext(g);
  const from = (name: string | undefined) => (name ? prod.get(name) : undefined);
  const scalar = (name: string | undefined) => {
    const c = name ? g.consts.get(name) : undefined;
    return c && c.size === 1 ? c.numbers()[0] : undefined;
  };
  /** Trailing axes reduced with keepdims, or undefined. */
  const meanAxes = (n: IrNode | undefined, rank: number): number[] | undefined => {
    if (!n || n.op !== 'ReduceMean' || attrInt(n, 'keepdims', 1) !== 1) return undefined;
    const axes = reduceAxes(n, ctx);
    return axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i) ? axes : undefined;
  };
  /** The const operand of a single-use Mul/Add following `value`, matching the normalised size. */
  const affineStep = (value: string, op: string, size: number): [IrNode, string] | undefined => {
    const next = uses.get(value);
    if (!next || next.length !== 1 || next[0]!.op !== op || g.outputs.includes(value)) return undefined;
    const n = next[0]!;
    const k = n.inputs.findIndex((v) => v !== value);
    const c = k >= 0 ? g.consts.get(n.inputs[k]!) : undefined;
    if (!c || c.size !== size || c.dims.slice(0, -1).some((d) => d !== 1)) return undefined;
    return [n, n.inputs[k]!];
  };

  let fused = 0;
  for (const div of [...g.nodes]) {
    if (div.op !== 'Div') continue;
    const sub = from(div.inputs[0]);
    const sqrt = from(div.inputs[1]);
    if (sub?.op !== 'Sub' || sqrt?.op !== 'Sqrt') continue;
    const x = sub.inputs[0]!;
    const rank = g.shapes.get(x)?.length;
    if (!rank) continue;
    const mean = from(sub.inputs[1]);
    const axes = meanAxes(mean, rank);
    if (!axes || mean!.inputs[0] !== x) continue;
    const add = from(sqrt.inputs[0]);
    if (add?.op !== 'Add') continue;
    const k = add.inputs.findIndex((v) => scalar(v) !== undefined);
    if (k < 0) continue;
    const eps = scalar(add.inputs[k])!;
    const varMean = from(add.inputs[1 - k]);
    const vAxes = meanAxes(varMean, rank);
    if (!vAxes || vAxes.join() !== axes.join()) continue;
    const pow = from(varMean!.inputs[0]);
    const squares = pow && ((pow.op === 'Pow' && scalar(pow.inputs[1]) === 2) || (pow.op === 'Mul' && pow.inputs[1] === pow.inputs[0]));
    if (!squares || pow.inputs[0] !== sub.outputs[0]) continue;

    const shape = g.shapes.get(x)!;
    const size = axes.reduce((a, ax) => a * shape[ax]!, 1);
    let last = div;
    const inputs = [x];
    const mul = affineStep(div.outputs[0]!, 'Mul', size);
    if (mul) [last] = mul;
    const bias = mul ? affineStep(mul[0].outputs[0]!, 'Add', size) : undefined;
    if (bias) [last] = bias;
    const constName = (base: string, value: number) => {
      const name = `${div.name}_${base}`;
      g.consts.set(name, ConstTensor.fromFloats([size], new Float32Array(size).fill(value)));
      return name;
    };
    inputs.push(mul ? mul[1] : constName('gamma', 1), bias ? bias[1] : constName('beta', 0));
    const node: IrNode = {
      op: 'LayerNormalization',
      name: div.name,
      inputs,
      outputs: [last.outputs[0]!],
      attrs: new Map<string, number>([['axis', axes[0]!], ['epsilon', eps]]),
      domain: '',
    };
    g.nodes.splice(g.nodes.indexOf(last), 1, node);
    fused++;
  }
  return fused;
}
