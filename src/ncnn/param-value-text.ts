/**
 * How ncnn turns a param value's text into a number (paramdict.cpp, and ncnn2mem.cpp which
 * copies it): float when the text has '.' or 'e', parsed by ncnn's own routine in double
 * arithmetic with 32-bit unsigned digit accumulators, then rounded to float. Reproduced
 * exactly so a binary param carries the very bits the runtime reads from the text.
 */

/** Longest value text ncnn reads (`%15s`); longer text is split into garbage by ncnn. */
export const MAX_VALUE_TEXT = 15;

export function vstrIsFloat(v: string): boolean {
  return /[.eE]/.test(v);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** ncnn's vstr_to_float, step for step (uint32 wrap-around included). */
export function vstrToFloat(v: string): number {
  let p = 0;
  const sign = v[p] !== '-';
  if (v[p] === '+' || v[p] === '-') p++;
  let v1 = 0;
  while (isDigit(v[p])) v1 = (v1 * 10 + (v.charCodeAt(p++) - 48)) >>> 0;
  let x = v1;
  if (v[p] === '.') {
    p++;
    let pow10 = 1;
    let v2 = 0;
    while (isDigit(v[p])) {
      v2 = (v2 * 10 + (v.charCodeAt(p++) - 48)) >>> 0;
      pow10 = (pow10 * 10) >>> 0;
    }
    x += v2 / pow10;
  }
  if (v[p] === 'e' || v[p] === 'E') {
    p++;
    const fact = v[p] !== '-';
    if (v[p] === '+' || v[p] === '-') p++;
    let expon = 0;
    while (isDigit(v[p])) expon = (expon * 10 + (v.charCodeAt(p++) - 48)) >>> 0;
    let scale = 1.0;
    while (expon >= 8) {
      scale *= 1e8;
      expon -= 8;
    }
    while (expon > 0) {
      scale *= 10.0;
      expon -= 1;
    }
    x = fact ? x * scale : x / scale;
  }
  return Math.fround(sign ? x : -x);
}

/**
 * An int value as `sscanf("%d")` reads it, for the texts where that is well defined (an
 * optional sign and decimal digits within int32); undefined otherwise.
 */
export function vstrToInt(v: string): number | undefined {
  const m = /^[+-]?\d+/.exec(v);
  if (!m || m[0].length !== v.length) return undefined;
  const n = Number(m[0]);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}
