import { attrFloat, type IrNode } from '../ir/graph.js';
import { float, int, layer, type ParamValue } from '../ncnn/model.js';
import type { LowerContext, OpHandler } from './op-handler.js';

/** Bounds of a Clip node: attributes before opset 11, optional constant inputs since. */
export function clipBounds(node: IrNode, ctx: LowerContext | { inConst: LowerContext['inConst'] }): [number, number] | undefined {
  let lo = attrFloat(node, 'min', -3.4028234663852886e38);
  let hi = attrFloat(node, 'max', 3.4028234663852886e38);
  if (node.inputs[1]) {
    const c = ctx.inConst(node, 1);
    if (!c) return undefined;
    lo = c.numbers()[0]!;
  }
  if (node.inputs[2]) {
    const c = ctx.inConst(node, 2);
    if (!c) return undefined;
    hi = c.numbers()[0]!;
  }
  return [lo, hi];
}

/** ncnn layer type + params for each unary activation op. */
function mapping(node: IrNode, ctx: LowerContext): [string, Array<[number, ParamValue]>] {
  switch (node.op) {
    case 'Relu': return ['ReLU', []];
    case 'LeakyRelu': return ['ReLU', [[0, float(attrFloat(node, 'alpha', 0.01))]]];
    case 'Sigmoid': return ['Sigmoid', []];
    case 'Tanh': return ['TanH', []];
    case 'Mish': return ['Mish', []];
    case 'HardSigmoid': return ['HardSigmoid', [[0, float(attrFloat(node, 'alpha', 0.2))], [1, float(attrFloat(node, 'beta', 0.5))]]];
    case 'HardSwish': return ['HardSwish', [[0, float(1 / 6)], [1, float(0.5)]]];
    case 'Elu': return ['ELU', [[0, float(attrFloat(node, 'alpha', 1))]]];
    case 'Clip': {
      const b = clipBounds(node, ctx);
      if (!b) return ctx.fail(node, 'min/max are not constants');
      return ['Clip', [[0, float(b[0])], [1, float(b[1])]]];
    }
    // UnaryOp op_type ids (ncnn src/layer/unaryop.h).
    case 'Abs': return ['UnaryOp', [[0, int(0)]]];
    case 'Neg': return ['UnaryOp', [[0, int(1)]]];
    case 'Floor': return ['UnaryOp', [[0, int(2)]]];
    case 'Ceil': return ['UnaryOp', [[0, int(3)]]];
    case 'Sqrt': return ['UnaryOp', [[0, int(5)]]];
    case 'Exp': return ['UnaryOp', [[0, int(7)]]];
    case 'Log': return ['UnaryOp', [[0, int(8)]]];
    case 'Reciprocal': return ['UnaryOp', [[0, int(15)]]];
    default: ctx.fail(node, 'not an activation');
  }
}

/** Element-wise activations and unary math ops. */
export const activation: OpHandler = {
  ops: ['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Mish', 'HardSigmoid', 'HardSwish', 'Elu', 'Clip', 'Abs', 'Neg', 'Floor', 'Ceil', 'Sqrt', 'Exp', 'Log', 'Reciprocal'],

  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },

  lower(node, ctx) {
    const [type, params] = mapping(node, ctx);
    // Element-wise: the output keeps the input's layout, wherever its batch axis is.
    ctx.setBatchAxis(node.outputs[0]!, ctx.batchAxis(node.inputs[0]!));
    ctx.emit(layer(type, node.name, [ctx.blobAsIs(node, 0)], [ctx.blobOf(node.outputs[0]!)], params));
  },
};
