import { closeSync, openSync, readSync } from 'node:fs';
import { fromHalfBits } from '../util/float16.js';

/** Element types edgeface handles (ONNX TensorProto.DataType names, lower-case). */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

/** ONNX TensorProto.DataType code -> DType. */
export const ONNX_DTYPES: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16',
};

export const isFloatType = (t: DType) => t === 'float32' || t === 'float16' || t === 'bfloat16' || t === 'float64';

/** Bytes per element of each type. */
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8, bool: 1,
};

/** Tensor dims in ONNX order (NCHW for images). */
export type Shape = number[];

export const numel = (dims: Shape) => dims.reduce((a, b) => a * b, 1);

/**
 * A constant tensor (initializer, Constant node, or a folded value).
 * Float data stays in the bytes it was read from until asked for, and `floats()` returns a
 * zero-copy view when those bytes are 4-byte aligned, so a large model is not held twice.
 */
export class ConstTensor {
  readonly dtype: DType;
  readonly dims: Shape;
  private raw?: Uint8Array;
  private f32?: Float32Array;
  private nums?: number[];
  /**
   * Lazy float32 source (file range or a transform of another tensor): evaluated on each
   * use and never cached, so big weights are in memory only while being used.
   */
  private loadF32?: () => Float32Array;

  private constructor(dtype: DType, dims: Shape, src: { raw?: Uint8Array; f32?: Float32Array; nums?: number[]; loadF32?: () => Float32Array }) {
    this.dtype = dtype;
    this.dims = dims;
    this.raw = src.raw;
    this.f32 = src.f32;
    this.nums = src.nums;
    this.loadF32 = src.loadF32;
    const n = numel(dims);
    const have = src.loadF32 ? n : src.f32?.length ?? src.nums?.length ?? (src.raw ? src.raw.length / DTYPE_BYTES[dtype] : 0);
    if (have !== n) throw new Error(`tensor data holds ${have} elements, dims ${JSON.stringify(dims)} need ${n}`);
  }

  /**
   * A float32 tensor whose values are produced on demand (each call returns a fresh array
   * the caller may modify).
   */
  static lazy(dims: Shape, load: () => Float32Array): ConstTensor {
    return new ConstTensor('float32', dims, { loadF32: load });
  }

  /** A tensor whose little-endian bytes are read from `file` on demand. */
  static fromFileRange(dtype: DType, dims: Shape, file: string, offset: number, length: number): ConstTensor {
    const read = () => {
      const buf = new ArrayBuffer(length);
      const fd = openSync(file, 'r');
      try {
        let done = 0;
        while (done < length) {
          const n = readSync(fd, new Uint8Array(buf, done), 0, length - done, offset + done);
          if (n === 0) throw new Error(`${file}: ends before byte ${offset + length}`);
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      return new Uint8Array(buf);
    };
    if (dtype === 'float32') return new ConstTensor('float32', dims, { loadF32: () => new Float32Array(read().buffer) });
    // Non-float initializers are small (shapes, indices): read them once.
    return ConstTensor.fromRaw(dtype, dims, read());
  }

  /** Little-endian bytes as stored in ONNX raw_data / external data. */
  static fromRaw(dtype: DType, dims: Shape, raw: Uint8Array): ConstTensor {
    return new ConstTensor(dtype, dims, { raw });
  }
  static fromFloats(dims: Shape, data: Float32Array): ConstTensor {
    return new ConstTensor('float32', dims, { f32: data });
  }
  static fromNumbers(dtype: DType, dims: Shape, data: number[]): ConstTensor {
    if (dtype === 'float32') return new ConstTensor('float32', dims, { f32: Float32Array.from(data) });
    return new ConstTensor(dtype, dims, { nums: data });
  }
  static scalar(dtype: DType, v: number): ConstTensor {
    return ConstTensor.fromNumbers(dtype, [], [v]);
  }

  get size(): number {
    return numel(this.dims);
  }
  get byteLength(): number {
    return this.size * DTYPE_BYTES[this.dtype];
  }

  /** Values as float32 (view when possible; callers must not keep it past a pass that mutates it). */
  floats(): Float32Array {
    if (this.loadF32) return this.loadF32();
    if (this.f32) return this.f32;
    if (this.raw && this.dtype === 'float32') {
      const r = this.raw;
      this.f32 = (r.byteOffset & 3) === 0
        ? new Float32Array(r.buffer, r.byteOffset, r.length / 4)
        : new Float32Array(Uint8Array.prototype.slice.call(r).buffer); // Buffer#slice would be a view
      this.raw = undefined;
      return this.f32;
    }
    return Float32Array.from(this.numbers());
  }

  /** Values as JS numbers (int64 beyond 2^53 loses precision, which shape maths never needs). */
  /** Values as a float32 array the caller owns and may modify. */
  floatsCopy(): Float32Array {
    return this.loadF32 ? this.loadF32() : this.floats().slice();
  }

  numbers(): number[] {
    if (this.loadF32) return Array.from(this.loadF32());
    if (this.nums) return this.nums;
    if (this.f32) return Array.from(this.f32);
    const r = this.raw!;
    const dv = new DataView(r.buffer, r.byteOffset, r.byteLength);
    const n = this.size;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      switch (this.dtype) {
        case 'float32': out[i] = dv.getFloat32(i * 4, true); break;
        case 'float64': out[i] = dv.getFloat64(i * 8, true); break;
        case 'float16': out[i] = fromHalfBits(dv.getUint16(i * 2, true)); break;
        case 'bfloat16': out[i] = new Float32Array(new Uint32Array([dv.getUint16(i * 2, true) << 16]).buffer)[0]!; break;
        case 'int8': out[i] = dv.getInt8(i); break;
        case 'uint8': case 'bool': out[i] = dv.getUint8(i); break;
        case 'int16': out[i] = dv.getInt16(i * 2, true); break;
        case 'int32': out[i] = dv.getInt32(i * 4, true); break;
        case 'int64': out[i] = Number(dv.getBigInt64(i * 8, true)); break;
      }
    }
    if (this.dtype !== 'float32') this.nums = out;
    return out;
  }

  /** Same data, other dims (Reshape/Squeeze/Unsqueeze of constants). */
  reshaped(dims: Shape): ConstTensor {
    if (this.loadF32) return ConstTensor.lazy(dims, this.loadF32);
    if (this.dtype === 'float32') return ConstTensor.fromFloats(dims, this.floats());
    return ConstTensor.fromNumbers(this.dtype, dims, this.numbers());
  }
}
