import type { Shape } from '../ir/tensor.js';

/** Row-major strides. */
export function strides(dims: Shape): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/**
 * Copies the sub-block of `src` (dims `dims`) selected per axis by index lists into a new
 * flat array: the one primitive behind constant Slice, Gather and Split folding.
 */
export function takeBlock<T>(src: ArrayLike<T>, dims: Shape, pick: number[][]): T[] {
  const st = strides(dims);
  const out: T[] = [];
  const rec = (axis: number, off: number) => {
    if (axis === dims.length) {
      out.push(src[off]!);
      return;
    }
    for (const i of pick[axis]!) rec(axis + 1, off + i * st[axis]!);
  };
  rec(0, 0);
  return out;
}

export const range = (start: number, end: number, step = 1): number[] => {
  const r: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) r.push(i);
  return r;
};
