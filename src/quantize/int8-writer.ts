/**
 * ncnn2int8's job on an in-memory model: INT8 weights behind the int8 tag, then the layer's
 * bias, per-channel weight scales, input scale and (after requantize fusion) output scale,
 * with key 8 (int8_scale_term) set the way the runtime's load_model reads them
 * (src/layer/convolution*.cpp, innerproduct.cpp).
 */
import { EdgefaceError } from '../errors.js';
import { int, paramNumber, rawWeights, type NcnnLayer, type NcnnModel, type WeightBuffer } from '../ncnn/model.js';
import { layerWeights, quantizableLayers, type QuantLayer } from './selection/quantizable.js';
import type { QuantTable } from './table.js';

export interface Int8WriteOptions {
  /** Layer names to leave FP32 even if the table has scales for them. */
  keepFp32?: Iterable<string>;
  /** Fold the next layer's input quantization into a Convolution/ConvolutionDepthWise (int8 out). */
  fuseRequantize?: boolean;
}

export interface Int8WriteResult {
  model: NcnnModel;
  quantized: string[];
  /** Pairs (producer, consumer) whose requantization was fused. */
  fused: Array<[string, string]>;
  /** Main weight bytes of the quantized layers before (float32) and after (int8). */
  weightBytesFp32: number;
  weightBytesInt8: number;
}

/** float -> int8 as ncnn's quantize_to_int8: float32 product, round half away from zero, clamp to +-127. */
export function quantizeValue(v: number, scale: number): number {
  const x = Math.fround(v * scale);
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r > 127 ? 127 : r < -127 ? -127 : r;
}

export function quantizeWeights(q: QuantLayer, scales: Float32Array): Int8Array {
  const w = layerWeights(q);
  const out = new Int8Array(w.length);
  for (let c = 0; c < q.channels; c++) {
    const s = scales[c]!;
    const base = c * q.perChannel;
    for (let k = 0; k < q.perChannel; k++) out[base + k] = quantizeValue(w[base + k]!, s);
  }
  return out;
}

const cloneLayer = (l: NcnnLayer): NcnnLayer => ({ ...l, inputs: [...l.inputs], outputs: [...l.outputs], params: new Map(l.params), weights: [...l.weights] });

/** The layers whose weights/params the writer must set, with the scales they get. */
interface Plan {
  q: QuantLayer;
  weightScales: Float32Array;
  inputScale: number;
  outputScale?: number;
}

export function writeInt8Model(model: NcnnModel, table: QuantTable, opts: Int8WriteOptions = {}): Int8WriteResult {
  const keep = new Set(opts.keepFp32 ?? []);
  const plans = new Map<string, Plan>();
  for (const q of quantizableLayers(model)) {
    const name = q.layer.name;
    const inputScale = table.inputScales.get(name);
    if (inputScale === undefined || keep.has(name)) continue;
    const ws = table.weightScales.get(name);
    if (!ws) throw new EdgefaceError(`calibration table: layer '${name}' has an input scale but no '${name}_param_0' weight scales`);
    const expect = q.kind === 'ConvolutionDepthWise' ? [q.channels, 1] : [q.channels];
    if (!expect.includes(ws.length)) {
      throw new EdgefaceError(`calibration table: '${name}_param_0' has ${ws.length} scales, layer '${name}' (${q.kind}) needs ${q.channels}`);
    }
    if (!(inputScale > 0)) throw new EdgefaceError(`calibration table: input scale of '${name}' must be > 0, is ${inputScale}`);
    // a single depthwise scale is broadcast over groups (the runtime does the same for key 8 = 2)
    const scales = ws.length === q.channels ? ws : new Float32Array(q.channels).fill(ws[0]!);
    plans.set(name, { q, weightScales: scales, inputScale });
  }

  const fused: Array<[string, string]> = [];
  if (opts.fuseRequantize ?? true) fuseRequantize(model, plans, fused);

  let before = 0;
  let after = 0;
  const layers = model.layers.map((l) => {
    const plan = plans.get(l.name);
    if (!plan) return l;
    const { q } = plan;
    const out = cloneLayer(l);
    const int8 = quantizeWeights(q, plan.weightScales);
    before += int8.length * 4;
    after += int8.length;
    const hasBias = paramNumber(l, q.kind === 'InnerProduct' ? 1 : 5, 0) !== 0;
    const buffers: WeightBuffer[] = [{ tagged: true, dtype: 'int8', data: int8 }];
    if (hasBias) buffers.push(asFloat32(l.weights[1]!));
    buffers.push(rawWeights(Float32Array.from(plan.weightScales)), rawWeights(Float32Array.of(plan.inputScale)));
    let term = q.kind === 'ConvolutionDepthWise' ? 1 : 2;
    if (plan.outputScale !== undefined) {
      buffers.push(rawWeights(Float32Array.of(plan.outputScale)));
      term += 100;
    }
    out.weights = buffers;
    out.params.set(8, int(term));
    return out;
  });
  return { model: { layers }, quantized: [...plans.keys()], fused, weightBytesFp32: before, weightBytesInt8: after };
}

/** Bias and other raw buffers stay float32 (a float16-read bias is widened back). */
function asFloat32(w: WeightBuffer): WeightBuffer {
  return { tagged: false, dtype: 'float32', data: w.data as Float32Array };
}

const CONV = new Set(['Convolution', 'ConvolutionDepthWise']);

/**
 * ncnn2int8's fuse_requantize: an INT8 Convolution/ConvolutionDepthWise whose output goes
 * straight into another INT8 Convolution/ConvolutionDepthWise (or into a Split whose every
 * branch does) emits int8 quantized with that consumer's input scale.
 */
function fuseRequantize(model: NcnnModel, plans: Map<string, Plan>, fused: Array<[string, string]>): void {
  const consumers = new Map<string, NcnnLayer[]>();
  for (const l of model.layers) for (const b of l.inputs) consumers.set(b, [...(consumers.get(b) ?? []), l]);
  const int8Conv = (l: NcnnLayer | undefined) => !!l && CONV.has(l.type) && l.inputs.length === 1 && plans.has(l.name);
  for (const [name, plan] of plans) {
    if (plan.q.kind === 'InnerProduct') continue;
    const next = consumers.get(plan.q.output) ?? [];
    if (next.length !== 1) continue;
    const c = next[0]!;
    if (int8Conv(c)) {
      plan.outputScale = plans.get(c.name)!.inputScale;
      fused.push([name, c.name]);
    } else if (c.type === 'Split' && c.inputs.length === 1) {
      const branches = c.outputs.map((b) => consumers.get(b) ?? []);
      const scales = branches.map((cs) => (cs.length === 1 && int8Conv(cs[0]) ? plans.get(cs[0]!.name)!.inputScale : NaN));
      // every branch dequantizes the shared int8 blob with its own input scale: they must agree
      if (scales.every((s) => Math.abs(s - scales[0]!) <= 1e-6 * Math.abs(scales[0]!))) {
        plan.outputScale = scales[0]!;
        fused.push([name, c.name]);
      }
    }
  }
}
