/**
 * Calibration table in ncnn2table's text format, so tables move freely between edgeface
 * and ncnn's own ncnn2int8:
 *   <layer>_param_0 s1 s2 ...   one weight scale per output channel (per group for depthwise)
 *   <layer> s                   the scale of the layer's input blob
 * Values are multipliers: int8 = round(x * scale). A layer with weight scales but no input
 * scale line stays FP32 (ncnn2int8 skips it the same way).
 */
import { readFileSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface QuantTable {
  /** Per-channel weight scales by layer name, in table order. */
  weightScales: Map<string, Float32Array>;
  /** Input (bottom blob) scale by layer name; absent = the layer stays FP32. */
  inputScales: Map<string, number>;
}

export const emptyTable = (): QuantTable => ({ weightScales: new Map(), inputScales: new Map() });

const WEIGHT_SUFFIX = '_param_0';

/** ncnn2table prints with %f; 9 significant digits keep float32 exact and are still %f-readable. */
function formatScale(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite scale ${v}`);
  return Number(Math.fround(v).toPrecision(9)).toString();
}

export function formatTable(t: QuantTable): string {
  const lines: string[] = [];
  for (const [name, scales] of t.weightScales) {
    lines.push(`${name}${WEIGHT_SUFFIX} ${Array.from(scales, formatScale).join(' ')}`);
  }
  for (const [name, s] of t.inputScales) lines.push(`${name} ${formatScale(s)}`);
  return lines.join('\n') + '\n';
}

export function parseTable(text: string, file = '<table>'): QuantTable {
  const t = emptyTable();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [key, ...rest] = line.split(/\s+/);
    const values = rest.map(Number);
    const where = `${file}:${i + 1}`;
    if (values.length === 0) throw new EdgefaceError(`${where}: '${key}' has no scale values`);
    const bad = rest.find((s, k) => !Number.isFinite(values[k]!) || values[k]! < 0);
    if (bad !== undefined) throw new EdgefaceError(`${where}: bad scale '${bad}' for '${key}'`);
    const m = /^(.*)_param_(\d+)$/.exec(key!);
    if (m) {
      // Only _param_0 exists for Convolution/ConvolutionDepthWise/InnerProduct; other
      // indices belong to layer kinds edgeface does not quantize and are kept out.
      if (m[2] === '0') t.weightScales.set(m[1]!, Float32Array.from(values));
      return;
    }
    if (values.length !== 1) throw new EdgefaceError(`${where}: input scale line for '${key}' must have one value, has ${values.length}`);
    t.inputScales.set(key!, values[0]!);
  });
  return t;
}

export function readTable(file: string): QuantTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EdgefaceError(`${file}: cannot read calibration table (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseTable(text, file);
}

export async function writeTable(t: QuantTable, file: string): Promise<void> {
  await writeFileAtomic(file, formatTable(t));
}
