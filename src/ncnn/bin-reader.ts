import { EdgefaceError } from '../errors.js';
import { fromHalfBits } from '../util/float16.js';
import type { NcnnLayer, WeightBuffer } from './model.js';
import { TAG_FLOAT16, TAG_FLOAT32, TAG_INT8, TAG_RAW_FLOAT32 } from './storage-tags.js';
import { weightLayout } from './weight-layout.js';

const align4 = (n: number) => (n + 3) & ~3;

/** Fills `layers[i].weights` from a .bin, following each layer's weight layout. */
export function readBinInto(layers: NcnnLayer[], bin: Uint8Array, file = '<bin>'): void {
  const dv = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let off = 0;
  const need = (n: number, l: NcnnLayer) => {
    if (off + n > bin.length) {
      throw new EdgefaceError(`${file}: ends early while reading weights of layer '${l.name}' (${l.type})`);
    }
  };
  for (const l of layers) {
    const specs = weightLayout(l);
    l.weights = specs.map((s): WeightBuffer => {
      if (!s.tagged) {
        need(s.count * 4, l);
        const data = new Float32Array(s.count);
        for (let i = 0; i < s.count; i++) data[i] = dv.getFloat32(off + 4 * i, true);
        off += s.count * 4;
        return { tagged: false, dtype: 'float32', data };
      }
      need(4, l);
      const tag = dv.getUint32(off, true);
      off += 4;
      if (tag === TAG_FLOAT16) {
        need(s.count * 2, l);
        const data = new Float32Array(s.count);
        for (let i = 0; i < s.count; i++) data[i] = fromHalfBits(dv.getUint16(off + 2 * i, true));
        off += align4(s.count * 2);
        return { tagged: true, dtype: 'float16', data };
      }
      if (tag === TAG_INT8) {
        need(s.count, l);
        const data = new Int8Array(bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + s.count));
        off += align4(s.count);
        return { tagged: true, dtype: 'int8', data };
      }
      if (tag === TAG_FLOAT32 || tag === TAG_RAW_FLOAT32) {
        need(s.count * 4, l);
        const data = new Float32Array(s.count);
        for (let i = 0; i < s.count; i++) data[i] = dv.getFloat32(off + 4 * i, true);
        off += s.count * 4;
        return { tagged: true, dtype: 'float32', data };
      }
      throw new EdgefaceError(
        `${file}: layer '${l.name}' uses weight storage tag 0x${tag.toString(16)}, which edgeface does not read`,
      );
    });
  }
  if (off !== bin.length) {
    throw new EdgefaceError(`${file}: ${bin.length - off} bytes left after the last layer's weights (param/bin mismatch?)`);
  }
}
