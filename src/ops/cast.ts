import { attrInt } from '../ir/graph.js';
import { ConstTensor, ONNX_DTYPES, isFloatType } from '../ir/tensor.js';
import type { OpHandler } from './op-handler.js';

/** Cast: folded on constants; float->float casts on activations are no-ops for ncnn fp32 blobs. */
export const cast: OpHandler = {
  ops: ['Cast'],
  inferShapes(node, ctx) {
    return [ctx.inShape(node, 0)];
  },
  evaluate(node, [x]) {
    const to = ONNX_DTYPES[attrInt(node, 'to', 1)] ?? 'float32';
    const v = x!.numbers();
    const conv = isFloatType(to) ? v : v.map((n) => (to === 'bool' ? (n ? 1 : 0) : Math.trunc(n)));
    return [ConstTensor.fromNumbers(to === 'float16' || to === 'float64' || to === 'bfloat16' ? 'float32' : to, x!.dims, conv)];
  },
  lower(node, ctx) {
    ctx.fail(node, 'casts of activations to non-float types are not supported');
  },
};
