import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Where an initializer's raw_data lives in the model file. */
export interface RawRange {
  offset: number;
  length: number;
}

/**
 * The model file without its large initializer payloads: `bytes` is a valid ModelProto
 * whose big initializers have no raw_data, and `raw[i]` says where initializer i's bytes
 * are in the file. Decoding this instead of the whole file keeps peak memory to the
 * graph structure plus one tensor at a time, whatever the model size.
 */
export interface ModelSkeleton {
  bytes: Uint8Array;
  raw: Map<number, RawRange>;
}

/** Payloads at least this large stay in the file. */
const LAZY_MIN_BYTES = 1024;

/** Sequential reader over a file descriptor, 1 MiB at a time. */
class FileCursor {
  private buf = Buffer.allocUnsafe(1 << 20);
  private bufStart = 0;
  private bufLen = 0;
  pos = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  private fill(at: number): void {
    this.bufStart = at;
    this.bufLen = readSync(this.fd, this.buf, 0, this.buf.length, at);
  }

  byte(): number {
    if (this.pos >= this.size) throw new Error(`unexpected end of file at byte ${this.pos}`);
    if (this.pos < this.bufStart || this.pos >= this.bufStart + this.bufLen) this.fill(this.pos);
    return this.buf[this.pos++ - this.bufStart]!;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (!(b & 0x80)) return v;
      mul *= 128;
    }
    throw new Error(`malformed varint at byte ${this.pos}`);
  }

  /**
   * The raw bytes of one varint. Copying them verbatim keeps int64 values exact: decoding
   * into a double and re-encoding would turn a negative dim (a 10-byte varint) into 0.
   */
  varintBytes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      out.push(b);
      if (!(b & 0x80)) return out;
    }
    throw new Error(`malformed varint at byte ${this.pos}`);
  }

  /** Copies n bytes at the cursor. */
  take(n: number): Uint8Array {
    if (this.pos + n > this.size) throw new Error(`field of ${n} bytes at byte ${this.pos} runs past the end of the file (${this.size} bytes)`);
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      if (this.pos < this.bufStart || this.pos >= this.bufStart + this.bufLen) this.fill(this.pos);
      const avail = Math.min(n - done, this.bufStart + this.bufLen - this.pos);
      out.set(this.buf.subarray(this.pos - this.bufStart, this.pos - this.bufStart + avail), done);
      done += avail;
      this.pos += avail;
    }
    return out;
  }

  skip(n: number): void {
    if (this.pos + n > this.size) throw new Error(`field of ${n} bytes at byte ${this.pos} runs past the end of the file (${this.size} bytes)`);
    this.pos += n;
  }
}

function encodeVarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

class ByteList {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array | number[]): void {
    const u = b instanceof Uint8Array ? b : Uint8Array.from(b);
    this.parts.push(u);
    this.length += u.length;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** Copies one field's payload (after its key) verbatim. */
function copyPayload(c: FileCursor, wt: number, out: ByteList): void {
  switch (wt) {
    case 0: out.push(c.varintBytes()); return;
    case 1: out.push(c.take(8)); return;
    case 5: out.push(c.take(4)); return;
    case 2: {
      const n = c.varint();
      out.push(encodeVarint(n));
      out.push(c.take(n));
      return;
    }
    default: throw new Error(`unsupported protobuf wire type ${wt} at byte ${c.pos}`);
  }
}

/** Walks a message of `len` bytes, letting `onField` take over chosen length-delimited fields. */
function walk(c: FileCursor, end: number, out: ByteList, onField: (field: number, len: number) => boolean): void {
  while (c.pos < end) {
    const key = c.varint();
    const field = Math.floor(key / 8);
    const wt = key & 7;
    if (wt === 2) {
      const save = c.pos;
      const len = c.varint();
      if (c.pos + len > end) throw new Error(`field ${field} of ${len} bytes at byte ${save} runs past its message`);
      if (onField(field, len)) continue;
      out.push(encodeVarint(key));
      out.push(encodeVarint(len));
      out.push(c.take(len));
      continue;
    }
    out.push(encodeVarint(key));
    copyPayload(c, wt, out);
  }
  if (c.pos !== end) throw new Error(`message ends inside a field (byte ${c.pos}, expected ${end})`);
}

/** Emits a rewritten sub-message with its key and new length. */
function nested(out: ByteList, field: number, body: ByteList): void {
  out.push(encodeVarint(field * 8 + 2));
  out.push(encodeVarint(body.length));
  for (const p of body.parts) out.push(p);
}

export function readModelSkeleton(file: string): ModelSkeleton {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const c = new FileCursor(fd, size);
    const raw = new Map<number, RawRange>();
    const model = new ByteList();
    let initIndex = 0;
    walk(c, size, model, (field, len) => {
      if (field !== 7) return false; // ModelProto.graph
      const graph = new ByteList();
      walk(c, c.pos + len, graph, (gf, glen) => {
        if (gf !== 5) return false; // GraphProto.initializer
        const tensor = new ByteList();
        const index = initIndex++;
        walk(c, c.pos + glen, tensor, (tf, tlen) => {
          if (tf !== 9 || tlen < LAZY_MIN_BYTES) return false; // TensorProto.raw_data
          raw.set(index, { offset: c.pos, length: tlen });
          c.skip(tlen);
          return true;
        });
        nested(graph, 5, tensor);
        return true;
      });
      nested(model, 7, graph);
      return true;
    });
    return { bytes: model.concat(), raw };
  } finally {
    closeSync(fd);
  }
}
