import { attrInt } from '../ir/graph.js';
import { ConstTensor } from '../ir/tensor.js';
import type { OpHandler } from './op-handler.js';

/** Shape: always folded to a constant once the input shape is known (batch fixed to 1). */
export const shape: OpHandler = {
  ops: ['Shape'],
  inferShapes(node, ctx) {
    return [[this.evaluate!(node, [], ctx)[0]!.size]];
  },
  evaluate(node, _inputs, ctx) {
    const s = ctx.inShape(node, 0);
    const r = s.length;
    const norm = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const dims = s.slice(norm(attrInt(node, 'start', 0)), norm(attrInt(node, 'end', r)));
    return [ConstTensor.fromNumbers('int64', [dims.length], dims)];
  },
  lower(node, ctx) {
    ctx.fail(node, 'Shape should have been folded to a constant');
  },
};
