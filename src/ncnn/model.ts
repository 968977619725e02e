/**
 * In-memory ncnn model: layers in execution order with their param dict and weight buffers.
 * This is what the converter produces and what the .param/.bin writers and readers exchange.
 */

/** ncnn param ids are small integers (0..31); array values are written with id -23300-id. */
export type ParamId = number;

/**
 * ncnn parses a param value as float when its text has '.' or 'e', else as int, so the
 * kind must be carried explicitly or an int param written as "1.0" would be misread.
 */
export type ParamValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] };

export type ParamDict = Map<ParamId, ParamValue>;

export const int = (value: number): ParamValue => ({ kind: 'int', value });
export const float = (value: number): ParamValue => ({ kind: 'float', value });
export const ints = (value: number[]): ParamValue => ({ kind: 'ints', value });
export const floats = (value: number[]): ParamValue => ({ kind: 'floats', value });

/** Storage of one weight buffer in the .bin. */
export type WeightDType = 'float32' | 'float16' | 'int8';

/**
 * One buffer a layer loads from the .bin, in load order.
 * `tagged`: ncnn loads it with ModelBin::load(..., type 0), which reads a 4-byte storage tag
 * first (main weights of Convolution/InnerProduct/Deconvolution); untagged buffers (bias,
 * BatchNorm stats, PReLU slopes, MemoryData, scales) are raw float32.
 */
export interface WeightBuffer {
  tagged: boolean;
  dtype: WeightDType;
  /** float32 values, or int8 values when dtype is 'int8'; float16 is produced on write. */
  data: Float32Array | Int8Array;
}

export interface NcnnLayer {
  type: string;
  name: string;
  inputs: string[];
  outputs: string[];
  params: ParamDict;
  weights: WeightBuffer[];
  /** Where a layer read from a .param came from (`file:line`), for error messages. */
  source?: string;
}

export interface NcnnModel {
  layers: NcnnLayer[];
  /** Converter output only: ONNX value name -> the blob name written (sanitised, unique). */
  blobNames?: Map<string, string>;
}

export function layer(
  type: string,
  name: string,
  inputs: string[],
  outputs: string[],
  params: Array<[ParamId, ParamValue]> = [],
  weights: WeightBuffer[] = [],
): NcnnLayer {
  return { type, name, inputs, outputs, params: new Map(params), weights };
}

/**
 * Float weights given now or as a loader. A loader runs each time `data` is read (by the
 * writer, once), so a large model's weights stream from the ONNX file to the .bin one
 * tensor at a time instead of all being held in memory.
 */
export type FloatSource = Float32Array | (() => Float32Array);

function floatBuffer(tagged: boolean, src: FloatSource): WeightBuffer {
  if (typeof src !== 'function') return { tagged, dtype: 'float32', data: src };
  return {
    tagged,
    dtype: 'float32',
    get data() {
      return src();
    },
  };
}

/** Main (tagged) weights: the buffer that --fp16 and int8 quantization change. */
export const mainWeights = (data: FloatSource): WeightBuffer => floatBuffer(true, data);
/** Raw float32 buffer without storage tag (bias, slopes, stats, scales). */
export const rawWeights = (data: FloatSource): WeightBuffer => floatBuffer(false, data);

export function paramNumber(l: NcnnLayer, id: ParamId, dflt: number): number {
  const p = l.params.get(id);
  if (p === undefined) return dflt;
  if (p.kind === 'int' || p.kind === 'float') return p.value;
  throw new Error(`layer ${l.name}: param ${id} is an array`);
}

export function paramArray(l: NcnnLayer, id: ParamId): number[] | undefined {
  const p = l.params.get(id);
  if (p === undefined) return undefined;
  if (p.kind === 'ints' || p.kind === 'floats') return p.value;
  return [p.value];
}

/** Distinct blob names, in first-appearance order. */
export function blobNames(model: NcnnModel): string[] {
  const seen = new Set<string>();
  for (const l of model.layers) {
    for (const b of l.inputs) seen.add(b);
    for (const b of l.outputs) seen.add(b);
  }
  return [...seen];
}
