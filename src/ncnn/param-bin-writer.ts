/**
 * Text .param -> ncnn's binary param (what ncnn2mem writes and Net::load_param_bin reads):
 * little-endian int32 words: magic, layer count, blob count; per layer its type index,
 * bottom and top counts, bottom then top blob indices, `{id, value}` pairs (an array as
 * `-23300-id, length, values`), ended by -233. Blob indices are assigned in order of first
 * production, as ncnn2mem does.
 *
 * Read token by token like ncnn2mem, on the raw bytes (latin1), so the same text gives the
 * same words. Where ncnn2mem would silently write a broken model (a name longer than it
 * reads, a value text over 15 characters, an unknown bottom blob, two names it sanitizes
 * to the same identifier), this stops with an error naming the line instead.
 */
import { EdgefaceError } from '../errors.js';
import { CUSTOM_LAYER_BIT, layerTypeIndex } from './layer-type-index.js';
import { MAX_VALUE_TEXT, vstrIsFloat, vstrToFloat, vstrToInt } from './param-value-text.js';
import { NCNN_MAGIC } from './param-writer.js';

/** ncnn2mem reads the type with %32s and names with %256s. */
const MAX_TYPE_BYTES = 32;
const MAX_NAME_BYTES = 256;
const END_OF_PARAMS = -233;

/** A latin1 name as the UTF-8 text it holds, for messages. */
const shown = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

export interface ParamBinLayer {
  type: string;
  /** As written in the text (latin1 string of the file's bytes). */
  name: string;
  typeIndex: number;
  tops: number[];
}

export interface ParamBin {
  bytes: Buffer;
  layers: ParamBinLayer[];
  /** Blob names by index (latin1 strings of the file's bytes). */
  blobs: string[];
  /** Types ncnn does not know, in first-use order: type index CUSTOM_LAYER_BIT | position. */
  customTypes: string[];
}

/** ncnn2mem's sanitize_name: every byte that is not an ASCII letter or digit becomes '_'. */
export function sanitizeName(latin1: string): string {
  return latin1.replace(/[^A-Za-z0-9]/g, '_');
}

class Words {
  private buf = Buffer.alloc(4096);
  private n = 0;
  private grow(): void {
    if (this.n + 4 > this.buf.length) {
      const b = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(b);
      this.buf = b;
    }
  }
  int(v: number): void {
    this.grow();
    this.buf.writeInt32LE(v, this.n);
    this.n += 4;
  }
  float(v: number): void {
    this.grow();
    this.buf.writeFloatLE(v, this.n);
    this.n += 4;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.n);
  }
}

/** Whitespace-separated tokens with their line numbers (for errors). */
function tokenize(text: string): Array<{ t: string; line: number }> {
  const out: Array<{ t: string; line: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) for (const t of lines[i]!.split(/[ \t\r\f\v]+/)) if (t) out.push({ t, line: i + 1 });
  return out;
}

/**
 * `text` is the .param read as latin1 (`buffer.toString('latin1')`); `file` names it in
 * errors.
 */
export function paramTextToBin(text: string, file: string): ParamBin {
  const toks = tokenize(text);
  let k = 0;
  const lineOf = () => toks[Math.min(k, toks.length - 1)]?.line ?? 1;
  const fail = (why: string): never => {
    throw new EdgefaceError(`${file}:${lineOf()}: ${why}`);
  };
  const next = (what: string): string => (k < toks.length ? toks[k++]!.t : fail(`unexpected end of file, expected ${what}`));
  const nextInt = (what: string): number => {
    const s = next(what);
    const v = vstrToInt(s);
    return v === undefined ? fail(`expected ${what} (an integer), got '${s}'`) : v;
  };

  const w = new Words();
  if (nextInt('the magic number') !== NCNN_MAGIC) fail(`not an ncnn .param file (magic is not ${NCNN_MAGIC})`);
  w.int(NCNN_MAGIC);
  const layerCount = nextInt('the layer count');
  const blobCount = nextInt('the blob count');
  if (layerCount < 0 || blobCount < 0) fail('negative layer or blob count');
  w.int(layerCount);
  w.int(blobCount);

  const layers: ParamBinLayer[] = [];
  const blobs: string[] = [];
  const blobIndex = new Map<string, number>();
  const sanitizedBlob = new Map<string, string>();
  const sanitizedLayer = new Map<string, string>();
  const customTypes: string[] = [];

  for (let i = 0; i < layerCount; i++) {
    const type = next('a layer type');
    const name = next('a layer name');
    if (type.length > MAX_TYPE_BYTES) fail(`layer type '${shown(type)}' is longer than ${MAX_TYPE_BYTES} bytes (ncnn2mem cannot read it)`);
    if (name.length > MAX_NAME_BYTES) fail(`layer name is longer than ${MAX_NAME_BYTES} bytes (ncnn2mem cannot read it)`);
    const sl = sanitizeName(name);
    const clash = sanitizedLayer.get(sl);
    if (clash !== undefined) fail(`layer names '${shown(clash)}' and '${shown(name)}' both become LAYER_${sl} in the .id.h; rename one`);
    sanitizedLayer.set(sl, name);
    const bottomCount = nextInt('the bottom count');
    const topCount = nextInt('the top count');
    if (bottomCount < 0 || topCount < 0) fail(`layer '${shown(name)}': negative blob count`);

    let typeIndex = layerTypeIndex(type);
    if (typeIndex === undefined) {
      let j = customTypes.indexOf(type);
      if (j < 0) j = customTypes.push(type) - 1;
      typeIndex = CUSTOM_LAYER_BIT | j;
    }
    w.int(typeIndex);
    w.int(bottomCount);
    w.int(topCount);

    for (let j = 0; j < bottomCount; j++) {
      const b = next('a bottom blob name');
      const idx = blobIndex.get(b);
      if (idx === undefined) fail(`layer '${shown(name)}' reads blob '${shown(b)}', which no earlier layer produces`);
      w.int(idx!);
    }
    const tops: number[] = [];
    for (let j = 0; j < topCount; j++) {
      const b = next('a top blob name');
      if (b.length > MAX_NAME_BYTES) fail(`blob name is longer than ${MAX_NAME_BYTES} bytes (ncnn2mem cannot read it)`);
      if (blobIndex.has(b)) fail(`blob '${shown(b)}' is produced twice`);
      const sb = sanitizeName(b);
      const other = sanitizedBlob.get(sb);
      if (other !== undefined) fail(`blob names '${shown(other)}' and '${shown(b)}' both become BLOB_${sb} (ncnn2mem would link the wrong blob); rename one`);
      sanitizedBlob.set(sb, b);
      if (blobs.length >= blobCount) fail(`more blobs than the header's count ${blobCount}`);
      blobIndex.set(b, blobs.length);
      tops.push(blobs.length);
      w.int(blobs.length);
      blobs.push(b);
    }

    // params: tokens `id=value` or `-23300-id=len,v1,...` until the next layer's type
    while (k < toks.length && /^[+-]?\d+=/.test(toks[k]!.t)) {
      const tok = next('a param');
      const eq = tok.indexOf('=');
      const id = vstrToInt(tok.slice(0, eq));
      if (id === undefined) fail(`layer '${shown(name)}': bad param id in '${tok}'`);
      const value = tok.slice(eq + 1);
      w.int(id!);
      const scalar = (v: string) => {
        if (v.length === 0) fail(`layer '${shown(name)}': empty value in '${tok}'`);
        if (v.length > MAX_VALUE_TEXT) fail(`layer '${shown(name)}': value '${v}' is longer than ${MAX_VALUE_TEXT} characters (ncnn reads at most ${MAX_VALUE_TEXT})`);
        if (vstrIsFloat(v)) {
          if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) fail(`layer '${shown(name)}': bad float value '${v}'`);
          w.float(vstrToFloat(v));
        } else {
          const n = vstrToInt(v);
          if (n === undefined) fail(`layer '${shown(name)}': bad int value '${v}'`);
          w.int(n!);
        }
      };
      if (id! <= -23300) {
        const parts = value.split(',');
        const len = vstrToInt(parts[0]!);
        if (len === undefined || len < 0 || len !== parts.length - 1) fail(`layer '${shown(name)}': array param '${tok.slice(0, 40)}' length does not match its values`);
        w.int(len!);
        for (const v of parts.slice(1)) scalar(v);
      } else {
        scalar(value);
      }
    }
    w.int(END_OF_PARAMS);
    layers.push({ type, name, typeIndex, tops });
  }
  if (k < toks.length) fail(`unexpected '${toks[k]!.t}' after the header's ${layerCount} layers`);
  if (blobs.length !== blobCount) fail(`header says ${blobCount} blobs, layers produce ${blobs.length}`);
  return { bytes: Buffer.from(w.bytes()), layers, blobs, customTypes };
}
