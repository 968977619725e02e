/**
 * Activation clipping thresholds from a blob histogram; scale = 127 / threshold.
 * `kl` and `aciq` follow ncnn2table's definitions so tables stay comparable.
 */
import { BlobHistogram, NCNN_BINS } from './histogram.js';

export type ActivationMethod = 'kl' | 'aciq' | 'eq' | 'minmax' | 'percentile';
export const ACTIVATION_METHODS: ActivationMethod[] = ['kl', 'aciq', 'eq', 'minmax', 'percentile'];

/**
 * Target bin j of `per` source bins covers source bins [start, end): the whole ones
 * leftUpper..rightLower-1 plus fractions leftScale of bin leftUpper-1 and rightScale of
 * bin rightLower (how ncnn2table spreads a histogram over fewer bins and back).
 */
function binSpan(j: number, per: number): { leftUpper: number; leftScale: number; rightLower: number; rightScale: number } {
  const start = j * per;
  const end = (j + 1) * per;
  const leftUpper = Math.ceil(start);
  const rightLower = Math.floor(end);
  return { leftUpper, leftScale: leftUpper - start, rightLower, rightScale: end - rightLower };
}

/**
 * ncnn2table's entropy calibration: for each candidate threshold bin t in [128, 2048),
 * clip the normalised histogram at t (outliers folded into the last bin), quantize it to
 * 128 levels and expand it back, and keep the t with the smallest KL divergence.
 * Returns the threshold in activation units.
 */
export function klThreshold(hist: Float64Array, absmax: number, targetBins = 128): number {
  const n = hist.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += hist[i]!;
  if (sum === 0 || absmax === 0) return absmax;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = hist[i]! / sum;
  const eps = 0.0001;
  let best = targetBins;
  let bestKl = Infinity;
  const clip = new Float64Array(n);
  const q = new Float64Array(targetBins);
  const expand = new Float64Array(n);
  let tail = 0;
  for (let i = targetBins; i < n; i++) tail += p[i]!;
  for (let t = targetBins; t < n; t++) {
    // clipped reference distribution
    for (let j = 0; j < t; j++) clip[j] = eps + p[j]!;
    clip[t - 1]! += tail;
    tail -= p[t]!;
    const per = t / targetBins;
    q.fill(0);
    for (let j = 0; j < targetBins; j++) {
      const { leftUpper, leftScale, rightLower, rightScale } = binSpan(j, per);
      let acc = 0;
      if (leftScale > 0) acc += leftScale * p[leftUpper - 1]!;
      if (rightScale > 0 && rightLower < t) acc += rightScale * p[rightLower]!;
      for (let k = leftUpper; k < Math.min(rightLower, t); k++) acc += p[k]!;
      const width = (j === targetBins - 1 ? t : rightLower) - leftUpper + leftScale + (j === targetBins - 1 ? 0 : rightScale);
      q[j] = acc / width;
    }
    expand.fill(eps, 0, t);
    for (let j = 0; j < targetBins; j++) {
      const { leftUpper, leftScale, rightLower, rightScale } = binSpan(j, per);
      if (leftScale > 0) expand[leftUpper - 1]! += leftScale * q[j]!;
      if (rightScale > 0 && rightLower < t) expand[rightLower]! += rightScale * q[j]!;
      for (let k = leftUpper; k < Math.min(rightLower, t); k++) expand[k]! += q[j]!;
    }
    let kl = 0;
    for (let j = 0; j < t; j++) kl += clip[j]! * Math.log(clip[j]! / expand[j]!);
    if (kl < bestKl) {
      bestKl = kl;
      best = t;
    }
  }
  return ((best + 0.5) * absmax) / n;
}

/** ACIQ Gaussian clipping (ncnn2table's constants): threshold from absmax and sample size. */
export function aciqThreshold(absmax: number, n: number, bits = 8): number {
  const alpha = [0, 1.71063519, 2.15159277, 2.55913646, 2.93620062, 3.28691474, 3.6151146, 3.92403714];
  const gaussianConst = 0.5 * 0.35 * (1 + Math.sqrt(Math.PI * Math.log(4)));
  const std = (absmax * 2 * gaussianConst) / Math.sqrt(2 * Math.log(Math.max(n, 2)));
  return Math.min(alpha[bits - 1]! * std, absmax);
}

export interface ThresholdOptions {
  /** Percentile of |x| for 'percentile', e.g. 99.99. */
  percentile?: number;
}

/** Threshold of one blob by method; 'eq' starts from 'kl' and is refined later. */
export function activationThreshold(h: BlobHistogram, method: ActivationMethod, opts: ThresholdOptions = {}): number {
  switch (method) {
    case 'minmax':
      return h.absmax;
    case 'aciq':
      return aciqThreshold(h.absmax, h.sampleSize);
    case 'percentile':
      return h.quantile((opts.percentile ?? 99.99) / 100);
    case 'kl':
    case 'eq':
      return klThreshold(h.resample(NCNN_BINS), h.absmax);
  }
}

/** 127 / threshold, with a usable value for blobs that were all zero. */
export function scaleFromThreshold(threshold: number): number {
  return threshold > 0 && Number.isFinite(threshold) ? 127 / threshold : 1;
}
