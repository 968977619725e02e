import { ConstTensor, isFloatType, numel, type DType, type Shape } from '../ir/tensor.js';

/** Numpy-style broadcast of two shapes; undefined if incompatible. */
export function broadcastShapes(a: Shape, b: Shape): Shape | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element-wise op over broadcast constants (used by constant folding of shape maths). */
export function broadcastEval(a: ConstTensor, b: ConstTensor, f: (x: number, y: number) => number, outType?: DType): ConstTensor {
  const shape = broadcastShapes(a.dims, b.dims);
  if (!shape) throw new Error(`cannot broadcast ${JSON.stringify(a.dims)} with ${JSON.stringify(b.dims)}`);
  const av = a.numbers();
  const bv = b.numbers();
  const n = numel(shape);
  const idx = (dims: Shape, flat: number) => {
    // index into a broadcast operand from a flat index of the output
    let off = 0;
    let stride = 1;
    let rem = flat;
    const coords: number[] = new Array(shape.length);
    for (let i = shape.length - 1; i >= 0; i--) {
      coords[i] = rem % shape[i]!;
      rem = Math.floor(rem / shape[i]!);
    }
    for (let i = dims.length - 1; i >= 0; i--) {
      const c = coords[shape.length - dims.length + i]!;
      off += (dims[i] === 1 ? 0 : c) * stride;
      stride *= dims[i]!;
    }
    return off;
  };
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = f(av[idx(a.dims, i)]!, bv[idx(b.dims, i)]!);
  const dtype = outType ?? (isFloatType(a.dtype) || isFloatType(b.dtype) ? 'float32' : a.dtype);
  return ConstTensor.fromNumbers(dtype, shape, out);
}
