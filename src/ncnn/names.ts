import { createHash } from 'node:crypto';

/** ncnn reads names with `%255s`: no whitespace, at most 255 bytes. */
const MAX = 200;

/**
 * The ncnn-safe spelling of an ONNX name (unchanged for ordinary names). Whitespace would
 * split the .param token and a control character (NUL above all) would cut the name short
 * in ncnn's C strings, so both become '_'.
 */
export function ncnnSafeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let s = name.replace(/\s+/g, '_').replace(/[\u0000-\u001f\u007f]/g, '_');
  if (s === '') s = '_';
  if (Buffer.byteLength(s) > MAX) {
    const h = createHash('sha1').update(name).digest('hex').slice(0, 10);
    s = `${Buffer.from(s).subarray(0, MAX - 11).toString('utf8').replace(/\uFFFD$/, '')}_${h}`;
  }
  return s;
}

/**
 * ncnn-safe names that stay distinct: `"x 0"` and `"x_0"` both sanitise to `x_0`, and two
 * blobs of one name make ncnn refuse the model. Names that are already safe keep their
 * spelling (so ordinary models are unchanged); a rewritten name that would collide gets
 * the first free `_<k>` suffix, in the order the names are given.
 */
export function uniqueNcnnNames(names: Iterable<string>): Map<string, string> {
  const all = [...new Set(names)];
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const n of all) {
    if (ncnnSafeName(n) === n) {
      out.set(n, n);
      taken.add(n);
    }
  }
  for (const n of all) {
    if (out.has(n)) continue;
    const base = ncnnSafeName(n);
    let s = base;
    for (let k = 1; taken.has(s); k++) s = `${base}_${k}`;
    out.set(n, s);
    taken.add(s);
  }
  return out;
}
