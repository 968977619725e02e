/**
 * `eq`: refines each layer's input scale (starting from kl) by searching 0.5x..2x for the
 * best mean cosine between the layer's FP32 output and its simulated INT8 output on the
 * first calibration images, as ncnn2table's eq does. The layer runs in onnxruntime as a
 * one-node ONNX model (Conv or Gemm) built from the ncnn layer, so the search costs a few
 * milliseconds per candidate instead of a forward pass of the whole network.
 */
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import os from 'node:os';
import { paramArray, paramNumber } from '../../ncnn/model.js';
import type { CalibrationStats } from '../calibration/calibrate.js';
import { quantizeValue } from '../int8-writer.js';
import { layerWeights, quantizableLayers, type QuantLayer } from '../selection/quantizable.js';
import type { QuantTable } from '../table.js';
import { kl } from './kl.js';
import type { ScaleMethod } from './method.js';

const onnx = onnxProto.onnx;

/** Calibration samples per blob kept for the layer-level scale search. */
const EQ_SAMPLES = 16;

/** Starts from kl's thresholds, then searches each layer's input scale. */
export const eq: ScaleMethod<'eq'> = {
  name: 'eq',
  threshold: kl.threshold,
  keepSamples: EQ_SAMPLES,
  refine: (model, table, stats, opts) => refineEq(model, table, stats, opts),
};

export interface EqOptions {
  /** Candidate multipliers of the kl scale, geometric from 0.5 to 2. */
  steps?: number;
  samples?: number;
  threads?: number;
  log?: (line: string) => void;
}

function tensor(name: string, dims: number[], data: Float32Array): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: 1, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({ name, type: 7, ints: v });

/** One-node ONNX model computing the ncnn layer (without its fused activation). */
export function layerModel(q: QuantLayer, weights: Float32Array, inShape: number[]): Uint8Array {
  const l = q.layer;
  const p = (id: number, d: number) => paramNumber(l, id, d);
  const init: onnxProto.onnx.ITensorProto[] = [];
  const inputs = ['x', 'w'];
  let node: onnxProto.onnx.INodeProto;
  let xDims: Array<number | string>;
  if (q.kind === 'InnerProduct') {
    const n = p(0, 0);
    const k = weights.length / n;
    init.push(tensor('w', [n, k], weights));
    if (p(1, 0)) {
      init.push(tensor('b', [n], l.weights[1]!.data as Float32Array));
      inputs.push('b');
    }
    node = { opType: 'Gemm', input: inputs, output: ['y'], attribute: [{ name: 'transB', type: 2, i: 1 }] };
    xDims = ['n', k];
  } else {
    const outC = p(0, 0);
    const group = q.kind === 'ConvolutionDepthWise' ? p(7, 1) : 1;
    const inC = inShape[0]!;
    init.push(tensor('w', [outC, inC / group, q.kernel[1], q.kernel[0]], weights));
    if (p(5, 0)) {
      init.push(tensor('b', [outC], l.weights[1]!.data as Float32Array));
      inputs.push('b');
    }
    const left = p(4, 0);
    const right = p(15, left);
    const top = p(14, left);
    const bottom = p(16, top);
    const attrs: onnxProto.onnx.IAttributeProto[] = [
      ints('kernel_shape', [q.kernel[1], q.kernel[0]]),
      ints('strides', [q.stride[1], q.stride[0]]),
      ints('dilations', [q.dilation[1], q.dilation[0]]),
      { name: 'group', type: 2, i: group },
    ];
    if (left === -233 || left === -234) attrs.push({ name: 'auto_pad', type: 3, s: Buffer.from(left === -233 ? 'SAME_UPPER' : 'SAME_LOWER') });
    else attrs.push(ints('pads', [top, left, bottom, right]));
    node = { opType: 'Conv', input: inputs, output: ['y'], attribute: attrs };
    xDims = ['n', ...inShape];
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: l.name,
      node: [node],
      initializer: init,
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: xDims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The layer's fused activation (key 9), applied in place. */
export function applyActivation(q: QuantLayer, y: Float32Array): void {
  const t = paramNumber(q.layer, 9, 0);
  const a = paramArray(q.layer, 10) ?? [];
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    switch (t) {
      case 1: y[i] = v > 0 ? v : 0; break;
      case 2: y[i] = v > 0 ? v : v * (a[0] ?? 0); break;
      case 3: y[i] = Math.min(Math.max(v, a[0] ?? -Infinity), a[1] ?? Infinity); break;
      case 4: y[i] = 1 / (1 + Math.exp(-v)); break;
      case 5: y[i] = v * Math.tanh(Math.log1p(Math.exp(v))); break;
      case 6: y[i] = v * Math.min(Math.max(v * (a[0] ?? 1 / 6) + (a[1] ?? 0.5), 0), 1); break;
      default: return;
    }
  }
}

function meanCosine(a: Float32Array, b: Float32Array, n: number): number {
  const d = a.length / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let ab = 0, aa = 0, bb = 0;
    for (let k = i * d; k < (i + 1) * d; k++) {
      ab += a[k]! * b[k]!;
      aa += a[k]! * a[k]!;
      bb += b[k]! * b[k]!;
    }
    s += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 1;
  }
  return s / n;
}

function fakeQuant(x: Float32Array, scale: number, out: Float32Array): void {
  const inv = 1 / scale;
  for (let i = 0; i < x.length; i++) out[i] = quantizeValue(x[i]!, scale) * inv;
}

export async function refineEq(model: { layers: import('../../ncnn/model.js').NcnnLayer[] }, table: QuantTable, stats: CalibrationStats, opts: EqOptions = {}): Promise<QuantTable> {
  const steps = opts.steps ?? 21;
  const factors = Array.from({ length: steps }, (_, i) => Math.pow(2, -1 + (2 * i) / (steps - 1)));
  const inputScales = new Map(table.inputScales);
  const sessOpts = { intraOpNumThreads: opts.threads ?? os.availableParallelism(), interOpNumThreads: 1 };
  for (const q of quantizableLayers({ layers: model.layers })) {
    const name = q.layer.name;
    const s0 = table.inputScales.get(name);
    const ws = table.weightScales.get(name);
    const sample = stats.samples.get(q.input);
    if (s0 === undefined || !ws || !sample) continue;
    const n = Math.min(sample.n, opts.samples ?? EQ_SAMPLES);
    const per = sample.data.length / sample.n;
    const x = sample.data.subarray(0, n * per);
    const w = layerWeights(q);
    const wq = new Float32Array(w.length);
    for (let c = 0; c < q.channels; c++) {
      for (let k = c * q.perChannel; k < (c + 1) * q.perChannel; k++) wq[k] = quantizeValue(w[k]!, ws[c]!) / ws[c]!;
    }
    const dims = q.kind === 'InnerProduct' ? [n, per] : [n, ...sample.shape];
    const ref = await ort.InferenceSession.create(layerModel(q, w, sample.shape), sessOpts);
    const sim = await ort.InferenceSession.create(layerModel(q, wq, sample.shape), sessOpts);
    try {
      const yRef = (await ref.run({ x: new ort.Tensor('float32', x, dims) })).y!.data as Float32Array;
      applyActivation(q, yRef);
      const xq = new Float32Array(x.length);
      let best = s0;
      let bestCos = -Infinity;
      for (const f of factors) {
        const s = Math.fround(s0 * f);
        fakeQuant(x, s, xq);
        const y = (await sim.run({ x: new ort.Tensor('float32', xq, dims) })).y!.data as Float32Array;
        applyActivation(q, y);
        const c = meanCosine(yRef, y, n);
        if (c > bestCos + 1e-9) {
          bestCos = c;
          best = s;
        }
      }
      inputScales.set(name, best);
    } finally {
      await ref.release();
      await sim.release();
    }
  }
  opts.log?.(`eq: searched ${steps} input scales per layer on up to ${opts.samples ?? EQ_SAMPLES} images`);
  return { weightScales: table.weightScales, inputScales };
}
