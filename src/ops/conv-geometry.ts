import { attrInts, attrString, type IrNode } from '../ir/graph.js';

/** Kernel/stride/dilation/padding of a 2-D Conv/Pool node, with auto_pad resolved from shapes. */
export interface Geometry2d {
  kh: number; kw: number;
  sh: number; sw: number;
  dh: number; dw: number;
  /** pads in ncnn terms */
  top: number; left: number; bottom: number; right: number;
}

/**
 * Resolves ONNX pads (or auto_pad) for a 2-D window op on an input of spatial size (h, w).
 * SAME_* padding is turned into explicit pads since the shapes are known here.
 */
export function geometry2d(node: IrNode, kernel: number[], inH: number, inW: number): Geometry2d {
  const [kh, kw] = kernel as [number, number];
  const [sh, sw] = (attrInts(node, 'strides') ?? [1, 1]) as [number, number];
  const [dh, dw] = (attrInts(node, 'dilations') ?? [1, 1]) as [number, number];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let [top, left, bottom, right] = (attrInts(node, 'pads') ?? [0, 0, 0, 0]) as [number, number, number, number];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const padFor = (inp: number, k: number, s: number, d: number) => {
      const out = Math.ceil(inp / s);
      return Math.max(0, (out - 1) * s + (k - 1) * d + 1 - inp);
    };
    const ph = padFor(inH, kh, sh, dh);
    const pw = padFor(inW, kw, sw, dw);
    const small = (p: number) => (autoPad === 'SAME_UPPER' ? Math.floor(p / 2) : Math.ceil(p / 2));
    top = small(ph); bottom = ph - top;
    left = small(pw); right = pw - left;
  } else if (autoPad === 'VALID') {
    top = left = bottom = right = 0;
  }
  return { kh, kw, sh, sw, dh, dw, top, left, bottom, right };
}

export function convOutSize(inp: number, k: number, s: number, d: number, p0: number, p1: number, ceil = false): number {
  const span = inp + p0 + p1 - ((k - 1) * d + 1);
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}
