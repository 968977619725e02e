/** Which ncnn layers INT8 applies to, and the facts the quantizer needs about each. */
import { paramNumber, type NcnnLayer, type NcnnModel } from '../../ncnn/model.js';

export type QuantKind = 'Convolution' | 'ConvolutionDepthWise' | 'InnerProduct';

export interface QuantLayer {
  index: number;
  layer: NcnnLayer;
  kind: QuantKind;
  /** The blob the layer reads (its input scale applies to it). */
  input: string;
  output: string;
  /** Weight scale count: num_output, or group for depthwise. */
  channels: number;
  /** Weights per scale. */
  perChannel: number;
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
}

const KINDS = new Set<string>(['Convolution', 'ConvolutionDepthWise', 'InnerProduct']);

/**
 * FP32 Convolution/ConvolutionDepthWise/InnerProduct layers with static weights, in layer
 * order. Layers already INT8 (key 8 set) or with dynamic weights (key 19) are left out.
 */
export function quantizableLayers(model: NcnnModel): QuantLayer[] {
  const out: QuantLayer[] = [];
  model.layers.forEach((l, index) => {
    if (!KINDS.has(l.type)) return;
    const p = (id: number, d: number) => paramNumber(l, id, d);
    if (p(8, 0) !== 0 || p(19, 0) !== 0 || l.inputs.length !== 1) return;
    const kind = l.type as QuantKind;
    const ip = kind === 'InnerProduct';
    const numOutput = p(0, 0);
    const weightSize = p(ip ? 2 : 6, 0);
    const channels = kind === 'ConvolutionDepthWise' ? p(7, 1) : numOutput;
    const kw = ip ? 1 : p(1, 0);
    const sw = ip ? 1 : p(3, 1);
    const dw = ip ? 1 : p(2, 1);
    out.push({
      index,
      layer: l,
      kind,
      input: l.inputs[0]!,
      output: l.outputs[0]!,
      channels,
      perChannel: weightSize / channels,
      kernel: [kw, ip ? 1 : p(11, kw)],
      stride: [sw, ip ? 1 : p(13, sw)],
      dilation: [dw, ip ? 1 : p(12, dw)],
    });
  });
  return out;
}

/** The FP32 main weights of a layer (float16-stored weights come back as float32 too). */
export function layerWeights(q: QuantLayer): Float32Array {
  const w = q.layer.weights[0];
  if (!w || w.dtype === 'int8') throw new Error(`layer ${q.layer.name}: no float weights loaded`);
  return w.data as Float32Array;
}

/**
 * ncnn2table's int8-Winograd rule: 3x3 stride-1 dilation-1 convolutions get 6-bit weights.
 * The runtime edgeface ships (ncnn 1.0.20261020) keeps Winograd-transformed int8 weights in
 * int16 with a 6x-scaled transform (|U| <= 12*12*127 < 32767), and its Winograd and direct
 * int8 paths give bit-identical results with full 8-bit weights
 * (tests/python/test_quantize_winograd.py), so edgeface uses 127 unless asked to match
 * older runtimes.
 */
export function isWinograd3x3(q: QuantLayer): boolean {
  return (
    q.kind === 'Convolution' &&
    q.kernel[0] === 3 && q.kernel[1] === 3 &&
    q.stride[0] === 1 && q.stride[1] === 1 &&
    q.dilation[0] === 1 && q.dilation[1] === 1
  );
}

/** Per-channel absmax weight scales (127 / absmax, or 31 / absmax for legacy Winograd). */
export function weightScales(q: QuantLayer, opts: { legacyWinograd?: boolean } = {}): Float32Array {
  const w = layerWeights(q);
  const levels = opts.legacyWinograd && isWinograd3x3(q) ? 31 : 127;
  const out = new Float32Array(q.channels);
  for (let c = 0; c < q.channels; c++) {
    let m = 0;
    const base = c * q.perChannel;
    for (let k = 0; k < q.perChannel; k++) m = Math.max(m, Math.abs(w[base + k]!));
    // An all-zero channel quantizes to zeros with any scale; 1 keeps 1/scale finite. A
    // channel so tiny that levels/absmax overflows float32 (weights ~1e-37 in a real
    // paddle2onnx MobileFaceNet) is zero at INT8 precision too: same treatment.
    const s = Math.fround(levels / m);
    out[c] = m > 0 && Number.isFinite(s) ? s : 1;
  }
  return out;
}

/** Maps ncnn blob names back to the source tensor: Split outputs are `<blob>_splitncnn_<i>`. */
export function sourceBlob(name: string): string {
  return name.replace(/_splitncnn_\d+$/, '');
}
