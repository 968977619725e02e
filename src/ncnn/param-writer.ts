import { blobNames, type NcnnModel, type ParamValue } from './model.js';

export const NCNN_MAGIC = 7767517;

/**
 * Float text that ncnn reads back as float: it must contain '.' or 'e', be at most 15
 * characters and have at most 9 fraction digits (see below). 9 significant digits
 * round-trip any float32 exactly.
 */
export function formatFloat(v: number): string {
  if (!Number.isFinite(v)) {
    if (Number.isNaN(v)) throw new Error('NaN in an ncnn float param');
    return v > 0 ? '3.40282347e+38' : '-3.40282347e+38';
  }
  const f = Math.fround(v);
  let s = f.toPrecision(9);
  if (s.includes('e')) {
    const [m, e] = s.split('e') as [string, string];
    s = `${trimMantissa(m)}e${e}`;
  } else {
    s = trimMantissa(s);
  }
  s = s.includes('.') || s.includes('e') ? s : `${s}.0`;
  // ncnn reads at most 15 characters of a value (`%15s`), and its parser sums the fraction
  // digits in a 32-bit integer with a 32-bit power of ten, which wraps past 9 digits
  // ('0.0000402426231' reads as 0.3057...): such numbers go in exponent form (8 digits)
  const fraction = /\.(\d*)/.exec(s)?.[1] ?? '';
  if (s.length > 15 || (!s.includes('e') && fraction.length > 9)) {
    const [m, e] = f.toExponential(8).split('e') as [string, string];
    s = `${trimMantissa(m)}e${e}`;
  }
  return s;
}

function trimMantissa(m: string): string {
  if (!m.includes('.')) return m;
  m = m.replace(/0+$/, '');
  return m.endsWith('.') ? `${m}0` : m;
}

function formatInt(v: number): string {
  if (!Number.isInteger(v)) throw new Error(`non-integer value ${v} in an ncnn int param`);
  return String(v);
}

export function formatParam(id: number, p: ParamValue): string {
  switch (p.kind) {
    case 'int':
      return `${id}=${formatInt(p.value)}`;
    case 'float':
      return `${id}=${formatFloat(p.value)}`;
    case 'ints':
      return `${-23300 - id}=${[p.value.length, ...p.value.map(formatInt)].join(',')}`;
    case 'floats':
      return `${-23300 - id}=${[String(p.value.length), ...p.value.map(formatFloat)].join(',')}`;
  }
}

/** The .param text, onnx2ncnn style: magic, counts, one padded line per layer. */
export function writeParamText(model: NcnnModel): string {
  const lines = [String(NCNN_MAGIC), `${model.layers.length} ${blobNames(model).length}`];
  for (const l of model.layers) {
    const head = `${l.type.padEnd(16)} ${l.name.padEnd(24)} ${l.inputs.length} ${l.outputs.length}`;
    const blobs = [...l.inputs, ...l.outputs].join(' ');
    const params = [...l.params.entries()].sort((a, b) => a[0] - b[0]).map(([id, p]) => formatParam(id, p));
    lines.push([head, blobs, ...params].filter((s) => s.length > 0).join(' '));
  }
  return lines.join('\n') + '\n';
}
