/**
 * The LFW verification protocol as insightface's verification.py runs it: squared L2
 * distance between L2-normalised embeddings, K-fold cross-validation over the pairs in
 * file order (scikit-learn KFold without shuffling), on each fold the threshold with the
 * best training accuracy on a 0..4 grid (step 0.01, first best wins), accuracy on the
 * held-out fold; mean and population standard deviation over folds. Also the
 * best all-pairs threshold, ROC AUC and TAR at a fixed FAR, which insightface does not
 * report in this form.
 */
import { EdgefaceError } from '../errors.js';

export interface ProtocolOptions {
  /** Cross-validation folds (insightface: 10). */
  folds?: number;
  /** Threshold grid on squared distance: 0, step, 2*step, ... below max (insightface: 0.01, 4). */
  thresholdStep?: number;
  thresholdMax?: number;
  /** False-accept rate for TAR@FAR (default 1e-3). */
  far?: number;
}

export interface RocCurve {
  /** Ascending FPR, with TPR, from the strictest to the loosest cosine threshold. */
  fpr: number[];
  tpr: number[];
  /** Cosine threshold at each point (accept when cosine >= threshold). */
  thresholds: number[];
}

export interface ProtocolResult {
  pairs: number;
  folds: number;
  foldAccuracies: number[];
  accuracyMean: number;
  accuracyStd: number;
  /** Squared-distance threshold chosen on the training folds of each fold. */
  foldThresholds: number[];
  /** Grid threshold with the best accuracy over all pairs, as squared distance and cosine. */
  bestThreshold: number;
  bestThresholdCosine: number;
  bestAccuracy: number;
  auc: number;
  far: number;
  /** Highest TPR with FPR <= far over all pairs, and the cosine threshold giving it. */
  tarAtFar: number;
  tarAtFarThreshold: number;
  roc: RocCurve;
}

/** Squared L2 distance per pair, in float64, from L2-normalised embeddings (n x dim). */
export function pairDistances(embeddings: Float32Array, dim: number, pairs: readonly { a: number; b: number }[]): Float64Array {
  const out = new Float64Array(pairs.length);
  pairs.forEach(({ a, b }, i) => {
    let s = 0;
    const oa = a * dim;
    const ob = b * dim;
    for (let k = 0; k < dim; k++) {
      const d = embeddings[oa + k]! - embeddings[ob + k]!;
      s += d * d;
    }
    out[i] = s;
  });
  return out;
}

/** scikit-learn KFold(n_splits=k, shuffle=False): contiguous test blocks, the first n % k one longer. */
export function kFoldBlocks(n: number, k: number): [number, number][] {
  if (!Number.isInteger(k) || k < 2) throw new EdgefaceError(`folds must be an integer >= 2, got ${k}`);
  if (k > n) throw new EdgefaceError(`cannot split ${n} pairs into ${k} folds`);
  const blocks: [number, number][] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    blocks.push([start, start + size]);
    start += size;
  }
  return blocks;
}

export function thresholdGrid(step = 0.01, max = 4): number[] {
  const count = Math.ceil(max / step);
  return Array.from({ length: count }, (_, i) => i * step);
}

/** Accuracy of `dist < threshold` meaning same person, over the index range predicate. */
function accuracyAt(threshold: number, dist: Float64Array, same: readonly boolean[], include: (i: number) => boolean): number {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < dist.length; i++) {
    if (!include(i)) continue;
    total++;
    if (dist[i]! < threshold === same[i]) correct++;
  }
  return correct / total;
}

/** First grid index with the highest accuracy (numpy argmax semantics). */
function bestIndex(grid: number[], dist: Float64Array, same: readonly boolean[], include: (i: number) => boolean): number {
  let best = -1;
  let bestAcc = -1;
  grid.forEach((t, i) => {
    const acc = accuracyAt(t, dist, same, include);
    if (acc > bestAcc) {
      bestAcc = acc;
      best = i;
    }
  });
  return best;
}

/** ROC over cosine similarity (1 - d/2), ties kept together as sklearn's roc_curve does. */
export function rocCurve(dist: Float64Array, same: readonly boolean[]): RocCurve {
  const order = Array.from(dist.keys()).sort((x, y) => dist[x]! - dist[y]!);
  const positives = same.filter(Boolean).length;
  const negatives = same.length - positives;
  if (positives === 0 || negatives === 0) throw new EdgefaceError('verification needs both same-person and different-person pairs');
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const idx = order[i]!;
    if (same[idx]) tp++;
    else fp++;
    const next = order[i + 1];
    if (next !== undefined && dist[next] === dist[idx]) continue; // same score: one point
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(1 - dist[idx]! / 2);
  }
  return { fpr, tpr, thresholds };
}

export function aucOf(roc: RocCurve): number {
  let area = 0;
  for (let i = 1; i < roc.fpr.length; i++) {
    area += ((roc.fpr[i]! - roc.fpr[i - 1]!) * (roc.tpr[i]! + roc.tpr[i - 1]!)) / 2;
  }
  return area;
}

export function evaluateVerification(dist: Float64Array, same: readonly boolean[], opts: ProtocolOptions = {}): ProtocolResult {
  const folds = opts.folds ?? 10;
  const far = opts.far ?? 1e-3;
  const grid = thresholdGrid(opts.thresholdStep ?? 0.01, opts.thresholdMax ?? 4);
  const n = dist.length;
  if (same.length !== n) throw new Error('evaluateVerification: distances and labels differ in length');
  const foldAccuracies: number[] = [];
  const foldThresholds: number[] = [];
  for (const [lo, hi] of kFoldBlocks(n, folds)) {
    const best = bestIndex(grid, dist, same, (i) => i < lo || i >= hi);
    foldThresholds.push(grid[best]!);
    foldAccuracies.push(accuracyAt(grid[best]!, dist, same, (i) => i >= lo && i < hi));
  }
  const accuracyMean = foldAccuracies.reduce((a, b) => a + b, 0) / folds;
  const accuracyStd = Math.sqrt(foldAccuracies.reduce((a, b) => a + (b - accuracyMean) ** 2, 0) / folds);
  const all = () => true;
  const best = bestIndex(grid, dist, same, all);
  const roc = rocCurve(dist, same);
  let tarAtFar = 0;
  let tarAtFarThreshold = Infinity;
  for (let i = 0; i < roc.fpr.length; i++) {
    if (roc.fpr[i]! <= far && roc.tpr[i]! > tarAtFar) {
      tarAtFar = roc.tpr[i]!;
      tarAtFarThreshold = roc.thresholds[i]!;
    }
  }
  return {
    pairs: n,
    folds,
    foldAccuracies,
    accuracyMean,
    accuracyStd,
    foldThresholds,
    bestThreshold: grid[best]!,
    bestThresholdCosine: 1 - grid[best]! / 2,
    bestAccuracy: accuracyAt(grid[best]!, dist, same, all),
    auc: aucOf(roc),
    far,
    tarAtFar,
    tarAtFarThreshold,
    roc,
  };
}
