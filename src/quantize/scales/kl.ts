/**
 * `kl`: ncnn2table's entropy calibration, so tables stay comparable with ncnn's own tool.
 */
import { NCNN_BINS } from '../calibration/histogram.js';
import type { ScaleMethod } from './method.js';

export const kl: ScaleMethod<'kl'> = {
  name: 'kl',
  threshold: (h) => klThreshold(h.resample(NCNN_BINS), h.absmax),
};

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
 *
 * Same divergence as the direct definition (tests/quantize/thresholds.test.ts keeps that as
 * the oracle), computed in O(128) per candidate instead of O(t): inside one quantized level
 * the expanded distribution is constant, so its share of sum(P log Q) is (sum of P over the
 * level's whole bins, from prefix sums) x log Q; only the fractional edge bins between
 * levels are visited one by one, and sum(P log P) is a prefix sum too.
 */
export function klThreshold(hist: Float64Array, absmax: number, targetBins = 128): number {
  const n = hist.length;
  if (absmax === 0 || !hist.some((v) => v > 0)) return absmax;
  const kl = klCurve(hist, targetBins);
  let best = targetBins;
  for (let t = targetBins + 1; t < n; t++) if (kl[t]! < kl[best]!) best = t;
  return ((best + 0.5) * absmax) / n;
}

/** KL divergence of each candidate threshold bin t (entries below targetBins are Infinity). */
export function klCurve(hist: Float64Array, targetBins = 128): Float64Array {
  const n = hist.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += hist[i]!;
  const out = new Float64Array(n).fill(Infinity);
  const eps = 0.0001;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = hist[i]! / sum;
  // prefix sums: ps[k] = sum of p over [0, k), cl[k] = sum of clip log clip over [0, k)
  const ps = new Float64Array(n + 1);
  const cl = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    ps[i + 1] = ps[i]! + p[i]!;
    cl[i + 1] = cl[i]! + (eps + p[i]!) * Math.log(eps + p[i]!);
  }
  const clipSum = (a: number, b: number) => ps[b]! - ps[a]! + eps * (b - a); // sum of eps + p over [a, b)
  const q = new Float64Array(targetBins);
  const edge = new Float64Array(n); // expansion mass on fractional edge bins
  const isEdge = new Uint8Array(n);
  const touched: number[] = [];
  const addEdge = (k: number, mass: number) => {
    if (!isEdge[k]) {
      isEdge[k] = 1;
      touched.push(k);
    }
    edge[k]! += mass;
  };
  for (let t = targetBins; t < n; t++) {
    const tail = ps[n]! - ps[t]!; // outliers, folded into bin t - 1
    const clipLast = eps + p[t - 1]! + tail;
    const sumPlogP = cl[t - 1]! + clipLast * Math.log(clipLast);
    const per = t / targetBins;
    for (let j = 0; j < targetBins; j++) {
      const { leftUpper, leftScale, rightLower, rightScale } = binSpan(j, per);
      let acc = ps[Math.min(rightLower, t)]! - ps[Math.min(leftUpper, t)]!;
      if (leftScale > 0) acc += leftScale * p[leftUpper - 1]!;
      if (rightScale > 0 && rightLower < t) acc += rightScale * p[rightLower]!;
      const width = (j === targetBins - 1 ? t : rightLower) - leftUpper + leftScale + (j === targetBins - 1 ? 0 : rightScale);
      q[j] = acc / width;
    }
    let sumPlogQ = 0;
    for (let j = 0; j < targetBins; j++) {
      const { leftUpper, leftScale, rightLower, rightScale } = binSpan(j, per);
      const hi = Math.min(rightLower, t);
      if (hi > leftUpper) {
        // whole bins of level j: Q = eps + q[j]; the last bin also carries the tail in P
        const logQ = Math.log(eps + q[j]!);
        sumPlogQ += clipSum(leftUpper, hi) * logQ;
        if (hi === t) sumPlogQ += tail * logQ;
      }
      if (leftScale > 0) addEdge(leftUpper - 1, leftScale * q[j]!);
      if (rightScale > 0 && rightLower < t) addEdge(rightLower, rightScale * q[j]!);
    }
    // (bin t - 1 is always a whole bin of the last level, so edge bins carry no tail)
    for (const k of touched) {
      sumPlogQ += (eps + p[k]!) * Math.log(eps + edge[k]!);
      edge[k] = 0;
      isEdge[k] = 0;
    }
    touched.length = 0;
    out[t] = sumPlogP - sumPlogQ;
  }
  return out;
}
