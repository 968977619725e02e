import { createHash } from 'node:crypto';

/** ncnn reads names with `%255s`: no whitespace, at most 255 bytes. */
const MAX = 200;

/** The ncnn-safe spelling of an ONNX name (unchanged for ordinary names). */
export function ncnnSafeName(name: string): string {
  let s = name.replace(/\s+/g, '_');
  if (s === '') s = '_';
  if (Buffer.byteLength(s) > MAX) {
    const h = createHash('sha1').update(name).digest('hex').slice(0, 10);
    s = `${Buffer.from(s).subarray(0, MAX - 11).toString('utf8').replace(/\uFFFD$/, '')}_${h}`;
  }
  return s;
}
