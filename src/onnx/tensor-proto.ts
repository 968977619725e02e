import { EdgefaceError } from '../errors.js';
import { ConstTensor, DTYPE_BYTES, numel, ONNX_DTYPES, type DType } from '../ir/tensor.js';
import { toNumber, type TensorProto } from './proto.js';
import type { ExternalDataResolver } from './external-data.js';
import type { RawRange } from './skeleton.js';

/**
 * Moves `raw` down to a 4-byte aligned address inside the same buffer so float views need
 * no copy. Safe because the bytes just before a raw_data payload are its own protobuf field
 * header (tag + length varint, >= 3 bytes once the payload is >= 128 bytes), already parsed.
 */
export function alignInPlace(raw: Uint8Array): Uint8Array {
  const shift = raw.byteOffset & 3;
  if (shift === 0 || raw.length < 128) return raw;
  const span = new Uint8Array(raw.buffer, raw.byteOffset - shift, raw.length + shift);
  span.copyWithin(0, shift);
  return span.subarray(0, raw.length);
}

/** Decodes one TensorProto (inline or external data) into a ConstTensor. */
export function decodeTensor(t: TensorProto, modelFile: string, external?: ExternalDataResolver, inFile?: RawRange): ConstTensor {
  const dtype: DType | undefined = ONNX_DTYPES[t.dataType ?? 0];
  if (!dtype) throw new EdgefaceError(`${modelFile}: tensor '${t.name ?? ''}' has unsupported data type ${t.dataType}`);
  const dims = (t.dims ?? []).map(toNumber);
  const name = t.name ?? '';
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(numel(dims) * DTYPE_BYTES[dtype])) {
    throw new EdgefaceError(`${modelFile}: tensor '${name}' has invalid dims ${JSON.stringify(dims)}`);
  }
  if (t.dataLocation === 1 /* EXTERNAL */) {
    if (!external) throw new EdgefaceError(`${modelFile}: tensor '${t.name}' uses external data but no model folder is known`);
    const r = external.resolve(t, dtype, dims);
    return ConstTensor.fromFileRange(dtype, dims, r.file, r.offset, r.length);
  }
  if (inFile) {
    // raw_data left in the model file by the skeleton reader: read when used.
    const want = numel(dims) * DTYPE_BYTES[dtype];
    if (want !== inFile.length) {
      throw new EdgefaceError(`${modelFile}: tensor '${t.name ?? ''}' has ${inFile.length} bytes of data, its dims ${JSON.stringify(dims)} need ${want}`);
    }
    return ConstTensor.fromFileRange(dtype, dims, modelFile, inFile.offset, inFile.length);
  }
  const n = numel(dims);
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * DTYPE_BYTES[dtype]) {
      throw new EdgefaceError(`${modelFile}: tensor '${name}' has ${t.rawData.length} bytes of data, its dims ${JSON.stringify(dims)} need ${n * DTYPE_BYTES[dtype]}`);
    }
    return ConstTensor.fromRaw(dtype, dims, alignInPlace(t.rawData));
  }
  let nums: number[];
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') {
    if (dtype === 'float32') nums = Array.from(t.floatData ?? []);
    else {
      // float16/bfloat16 without raw_data: bit patterns live in int32_data.
      const bits = (t.int32Data ?? []).map(toNumber);
      if (bits.length !== n) {
        throw new EdgefaceError(`${modelFile}: tensor '${name}' holds ${bits.length} values, its dims ${JSON.stringify(dims)} need ${n}`);
      }
      const raw = new Uint8Array(bits.length * 2);
      const dv = new DataView(raw.buffer);
      bits.forEach((b, i) => dv.setUint16(i * 2, b, true));
      return ConstTensor.fromRaw(dtype, dims, raw);
    }
  } else if (dtype === 'float64') nums = Array.from(t.doubleData ?? []);
  else if (dtype === 'int64') nums = (t.int64Data ?? []).map(toNumber);
  else nums = (t.int32Data ?? []).map(toNumber);
  if (nums.length !== n) {
    throw new EdgefaceError(`${modelFile}: tensor '${t.name ?? ''}' holds ${nums.length} values, its dims ${JSON.stringify(dims)} need ${n}`);
  }
  return ConstTensor.fromNumbers(dtype, dims, nums);
}
