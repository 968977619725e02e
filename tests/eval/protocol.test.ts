/**
 * The TS protocol against the independent Python reference (scikit-learn KFold, as
 * insightface's verification.py) on the same embeddings: every figure within 1e-6.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateVerification, kFoldBlocks, pairDistances, type ProtocolResult } from '../../src/eval/protocol.js';
import { pythonReference, tmpDir, writeReferenceInput, type ReferenceFigures } from './helpers/common.js';

/** Deterministic PRNG (mulberry32) and Gaussian noise, so runs are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A synthetic benchmark with LFW's layout: identities as random unit vectors, images as
 * noisy copies; `folds` x (half same + half different) pairs. Noise makes errors happen.
 */
function syntheticSet(seed: number, folds: number, perHalf: number, dim: number, noise: number) {
  const rand = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const unit = (v: Float64Array) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const images: Float64Array[] = [];
  const ids: Float64Array[] = [];
  const newImage = (id: number) => {
    const v = ids[id]!.map((x) => x + noise * gauss());
    images.push(unit(v));
    return images.length - 1;
  };
  const newId = () => {
    ids.push(unit(Float64Array.from({ length: dim }, gauss)));
    return ids.length - 1;
  };
  const pairs: { a: number; b: number; same: boolean }[] = [];
  for (let f = 0; f < folds; f++) {
    for (let k = 0; k < perHalf; k++) {
      const id = newId();
      pairs.push({ a: newImage(id), b: newImage(id), same: true });
    }
    for (let k = 0; k < perHalf; k++) {
      pairs.push({ a: newImage(newId()), b: newImage(newId()), same: false });
    }
  }
  const emb = new Float32Array(images.length * dim);
  images.forEach((v, i) => emb.set(v, i * dim));
  return { emb, pairs, dim };
}

function assertAgrees(ts: ProtocolResult, py: ReferenceFigures): void {
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6, `${what}: TS ${a} vs Python ${b}`);
  assert.equal(ts.foldAccuracies.length, py.foldAccuracies.length);
  ts.foldAccuracies.forEach((a, i) => close(a, py.foldAccuracies[i]!, `fold ${i + 1} accuracy`));
  ts.foldThresholds.forEach((t, i) => close(t, py.foldThresholds[i]!, `fold ${i + 1} threshold`));
  close(ts.accuracyMean, py.accuracyMean, 'mean accuracy');
  close(ts.accuracyStd, py.accuracyStd, 'accuracy std');
  close(ts.bestThreshold, py.bestThreshold, 'best threshold');
  close(ts.bestAccuracy, py.bestAccuracy, 'best accuracy');
  close(ts.auc, py.auc, 'AUC');
  close(ts.tarAtFar, py.tarAtFar, 'TAR@FAR');
}

test('10-fold LFW layout (6000 pairs): TS protocol equals the scikit-learn reference', () => {
  const { emb, pairs, dim } = syntheticSet(7, 10, 300, 64, 0.16);
  const ts = evaluateVerification(pairDistances(emb, dim, pairs), pairs.map((p) => p.same));
  const dir = tmpDir('protocol');
  writeReferenceInput(dir, emb, dim, pairs);
  const py = pythonReference(dir);
  assertAgrees(ts, py);
  // The set must be hard enough that thresholds and folds matter.
  assert.ok(ts.accuracyMean > 0.8 && ts.accuracyMean < 0.995, `accuracy ${ts.accuracyMean}`);
  assert.ok(new Set(ts.foldAccuracies).size > 1, 'folds should differ');
});

test('uneven split (1003 pairs): KFold block sizes and all figures agree', () => {
  const { emb, pairs, dim } = syntheticSet(11, 1, 502, 32, 0.13);
  pairs.pop(); // 1003 pairs
  const ts = evaluateVerification(pairDistances(emb, dim, pairs), pairs.map((p) => p.same));
  const dir = tmpDir('protocol-uneven');
  writeReferenceInput(dir, emb, dim, pairs);
  assertAgrees(ts, pythonReference(dir));
});

test('kFoldBlocks follows scikit-learn: first n % k folds one longer', () => {
  assert.deepEqual(kFoldBlocks(23, 5), [[0, 5], [5, 10], [10, 15], [15, 19], [19, 23]]);
  assert.deepEqual(kFoldBlocks(6000, 10)[3], [1800, 2400]);
});

test('ties and AUC: identical scores form one ROC point', () => {
  const dist = Float64Array.from([0.5, 0.5, 1.0, 1.0]);
  const r = evaluateVerification(dist, [true, false, true, false], { folds: 2 });
  assert.equal(r.roc.fpr.length, 3); // (0,0), the 0.5 group, the 1.0 group
  assert.equal(r.auc, 0.5);
});
