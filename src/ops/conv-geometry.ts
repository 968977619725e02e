import { UnsupportedNodeError } from '../errors.js';
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
  const [kh, kw] = checkedInts(node, 'kernel_shape', kernel, 2, 1);
  const [sh, sw] = checkedInts(node, 'strides', attrInts(node, 'strides') ?? [1, 1], 2, 1);
  const [dh, dw] = checkedInts(node, 'dilations', attrInts(node, 'dilations') ?? [1, 1], 2, 1);
  const autoPad = checkedAutoPad(node);
  let [top, left, bottom, right] = checkedInts(node, 'pads', attrInts(node, 'pads') ?? [0, 0, 0, 0], 4, 0);
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

/**
 * An ints attribute as the ONNX spec allows it for a 2-D window op: `count` integers, each
 * at least `min` (strides and dilations 1, pads 0). Negative pads would crop, which ncnn's
 * convolution and pooling cannot do, so they are refused rather than converted to
 * something that computes otherwise.
 */
export function checkedInts(node: IrNode, attr: string, v: number[], count: number, min: number): number[] {
  if (v.length !== count || v.some((x) => !Number.isSafeInteger(x) || x < min)) {
    throw new UnsupportedNodeError(node.op, node.name, `${attr}=${JSON.stringify(v)} is invalid (expected ${count} integers >= ${min})`);
  }
  return v;
}

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

export function checkedAutoPad(node: IrNode): string {
  const a = attrString(node, 'auto_pad', 'NOTSET');
  if (!AUTO_PADS.includes(a)) throw new UnsupportedNodeError(node.op, node.name, `auto_pad '${a}' is not one of ${AUTO_PADS.join(', ')}`);
  return a;
}

/** An output extent of a window op; refused when the window does not fit the input. */
export function checkedOutSize(node: IrNode, size: number, axis: string): number {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new UnsupportedNodeError(node.op, node.name, `the window does not fit the input: output ${axis} would be ${size}`);
  }
  return size;
}

export function convOutSize(inp: number, k: number, s: number, d: number, p0: number, p1: number, ceil = false): number {
  const span = inp + p0 + p1 - ((k - 1) * d + 1);
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}
