/**
 * Layers not worth quantizing: INT8 buys speed in proportion to a layer's multiply-adds and
 * size in proportion to its weights. A layer with almost neither (the 7x7 global depthwise
 * "GDC" of MobileFaceNets: ~0.01% of the MACs) gains nothing from INT8, yet its per-tensor
 * input scale over channels of very different ranges makes it the most sensitive layer of
 * those models (sensitivity report: embedding cosine 0.995 from that layer alone). Such
 * layers stay FP32 by default.
 */
import { paramNumber } from '../../ncnn/model.js';
import type { QuantLayer } from './quantizable.js';

export interface TinyLayerPolicy {
  /** Largest share of the quantizable multiply-adds a skipped layer may have. */
  maxMacShare: number;
  /** Largest share of the quantizable weights a skipped layer may hold. */
  maxWeightShare: number;
}

export const DEFAULT_TINY_POLICY: TinyLayerPolicy = { maxMacShare: 0.001, maxWeightShare: 0.05 };

/** Multiply-adds of one sample, from the layer's input shape [c, h, w] (or [k] for InnerProduct). */
export function layerMacs(q: QuantLayer, inputShape: number[]): number {
  const weights = q.channels * q.perChannel;
  if (q.kind === 'InnerProduct' || inputShape.length < 3) return weights;
  const [, h, w] = inputShape as [number, number, number];
  const p = (id: number, d: number) => paramNumber(q.layer, id, d);
  const left = p(4, 0);
  const same = left === -233 || left === -234;
  const padW = same ? 0 : left + p(15, left);
  const padH = same ? 0 : p(14, left) + p(16, p(14, left));
  const extW = q.dilation[0] * (q.kernel[0] - 1) + 1;
  const extH = q.dilation[1] * (q.kernel[1] - 1) + 1;
  const outW = same ? Math.ceil(w / q.stride[0]) : Math.floor((w + padW - extW) / q.stride[0]) + 1;
  const outH = same ? Math.ceil(h / q.stride[1]) : Math.floor((h + padH - extH) / q.stride[1]) + 1;
  return weights * Math.max(outW, 0) * Math.max(outH, 0);
}

/** Names of the layers the policy keeps FP32 (needs every layer's input shape). */
export function tinyLayers(layers: QuantLayer[], shapes: Map<string, number[]>, policy = DEFAULT_TINY_POLICY): string[] {
  const macs = layers.map((q) => {
    const s = shapes.get(q.input);
    return s ? layerMacs(q, s) : NaN;
  });
  if (macs.some(Number.isNaN)) return [];
  const totalMacs = macs.reduce((a, b) => a + b, 0);
  const totalWeights = layers.reduce((a, q) => a + q.channels * q.perChannel, 0);
  return layers
    .filter((q, i) => macs[i]! <= policy.maxMacShare * totalMacs && q.channels * q.perChannel <= policy.maxWeightShare * totalWeights)
    .map((q) => q.layer.name);
}
