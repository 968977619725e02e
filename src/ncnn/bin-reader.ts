import { fstatSync, readSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { fromHalfBits } from '../util/float16.js';
import type { NcnnLayer, WeightBuffer } from './model.js';
import { TAG_FLOAT16, TAG_FLOAT32, TAG_INT8, TAG_RAW_FLOAT32 } from './storage-tags.js';
import { weightLayout } from './weight-layout.js';

const align4 = (n: number) => (n + 3) & ~3;

/** Bytes of a .bin: in memory, or read from a file one buffer at a time. */
export interface BinSource {
  readonly length: number;
  /** `n` bytes at `offset` (the caller has checked they exist). */
  bytes(offset: number, n: number): Uint8Array;
}

/** A .bin read from its file descriptor as its buffers are needed, never as one piece. */
export function fileBinSource(fd: number): BinSource {
  return {
    length: fstatSync(fd).size,
    bytes(offset, n) {
      const out = new Uint8Array(n);
      for (let done = 0; done < n; ) {
        const got = readSync(fd, out, done, n - done, offset + done);
        if (got === 0) throw new Error(`file shrank while being read (at byte ${offset + done})`);
        done += got;
      }
      return out;
    },
  };
}

const memorySource = (bin: Uint8Array): BinSource => ({ length: bin.length, bytes: (o, n) => bin.subarray(o, o + n) });

/**
 * Fills `layers[i].weights` from a .bin, following each layer's weight layout. Each
 * buffer's size is checked against what is left of the file before it is allocated, so
 * memory stays within the file's size whatever the .param declares.
 */
export function readBinInto(layers: NcnnLayer[], src: Uint8Array | BinSource, file = '<bin>'): void {
  const bin = src instanceof Uint8Array ? memorySource(src) : src;
  let off = 0;
  const need = (n: number, l: NcnnLayer) => {
    if (off + n > bin.length) {
      throw new EdgefaceError(`${file}: ends early while reading weights of layer '${l.name}' (${l.type}${l.source ? `, ${l.source}` : ''})`);
    }
  };
  const view = (n: number) => {
    const b = bin.bytes(off, n);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  for (const l of layers) {
    const specs = weightLayout(l);
    l.weights = specs.map((s): WeightBuffer => {
      const f32 = (): Float32Array => {
        need(s.count * 4, l);
        const dv = view(s.count * 4);
        const data = new Float32Array(s.count);
        for (let i = 0; i < s.count; i++) data[i] = dv.getFloat32(4 * i, true);
        off += s.count * 4;
        return data;
      };
      if (!s.tagged) return { tagged: false, dtype: 'float32', data: f32() };
      need(4, l);
      const tag = view(4).getUint32(0, true);
      off += 4;
      if (tag === TAG_FLOAT16) {
        need(s.count * 2, l);
        const dv = view(s.count * 2);
        const data = new Float32Array(s.count);
        for (let i = 0; i < s.count; i++) data[i] = fromHalfBits(dv.getUint16(2 * i, true));
        off += align4(s.count * 2);
        return { tagged: true, dtype: 'float16', data };
      }
      if (tag === TAG_INT8) {
        need(s.count, l);
        const data = new Int8Array(bin.bytes(off, s.count).slice());
        off += align4(s.count);
        return { tagged: true, dtype: 'int8', data };
      }
      if (tag === TAG_FLOAT32 || tag === TAG_RAW_FLOAT32) return { tagged: true, dtype: 'float32', data: f32() };
      throw new EdgefaceError(
        `${file}: layer '${l.name}'${l.source ? ` (${l.source})` : ''} uses weight storage tag 0x${tag.toString(16)} at byte ${off - 4}, which edgeface does not read (param/bin mismatch?)`,
      );
    });
  }
  if (off !== bin.length) {
    throw new EdgefaceError(`${file}: ${bin.length - off} bytes left after the last layer's weights (param/bin mismatch?)`);
  }
}
