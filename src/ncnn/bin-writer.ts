import type { NcnnModel, WeightBuffer } from './model.js';
import { TAG_FLOAT16, TAG_FLOAT32, TAG_INT8 } from './storage-tags.js';
import { toHalfArray } from '../util/float16.js';

export interface BinWriteOptions {
  /** Store tagged float32 buffers as float16 (ncnn converts back on load). */
  fp16?: boolean;
}

/** Sink for .bin bytes; an AtomicFileWriter or an in-memory collector. */
export interface ByteSink {
  write(chunk: Uint8Array): void;
}

const tagBytes = (tag: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, tag, true);
  return b;
};

const ZERO_PAD = new Uint8Array(4);

function bytesOf(a: Float32Array | Int8Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes one buffer: tag (if tagged), payload, zero padding to 4 bytes. */
export function writeWeightBuffer(sink: ByteSink, w: WeightBuffer, opts: BinWriteOptions = {}): void {
  let payload: Uint8Array;
  let tag = TAG_FLOAT32;
  if (w.dtype === 'int8') {
    if (!w.tagged) throw new Error('int8 weights must be tagged');
    payload = bytesOf(w.data as Int8Array);
    tag = TAG_INT8;
  } else if (w.tagged && (opts.fp16 || w.dtype === 'float16')) {
    payload = bytesOf(toHalfArray(w.data as Float32Array));
    tag = TAG_FLOAT16;
  } else {
    payload = bytesOf(w.data as Float32Array);
  }
  if (w.tagged) sink.write(tagBytes(tag));
  sink.write(payload);
  const pad = (4 - (payload.length % 4)) % 4;
  if (pad) sink.write(ZERO_PAD.subarray(0, pad));
}

/** Streams all weights of the model in layer order. */
export function writeBin(sink: ByteSink, model: NcnnModel, opts: BinWriteOptions = {}): void {
  for (const l of model.layers) for (const w of l.weights) writeWeightBuffer(sink, w, opts);
}

/** In-memory sink (tests, small models). */
export class MemorySink implements ByteSink {
  private chunks: Uint8Array[] = [];
  write(chunk: Uint8Array): void {
    this.chunks.push(chunk.slice());
  }
  bytes(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
