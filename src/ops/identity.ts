import type { OpHandler } from './op-handler.js';

/**
 * Identity and Dropout (inference: pass-through). The remove-identity pass deletes them;
 * this lowering only triggers for graphs where the pass could not (input == output of model).
 */
export const identity: OpHandler = {
  ops: ['Identity', 'Dropout'],
  inferShapes(node, ctx) {
    return node.outputs.map(() => ctx.inShape(node, 0));
  },
  evaluate(_node, [x]) {
    return [x!];
  },
  lower(node, ctx) {
    ctx.fail(node, 'pass-through node left in the graph (internal error: remove-identity pass did not run)');
  },
};
