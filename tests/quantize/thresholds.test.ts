import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlobHistogram, NCNN_BINS } from '../../src/quantize/histogram.js';
import { aciqThreshold, activationThreshold, klThreshold } from '../../src/quantize/thresholds.js';

/** Deterministic normal samples (Box-Muller on a LCG). */
function gaussian(n: number, seed: number, sigma = 1): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** ncnn2table's two-pass histogram: absmax first, then 2048 bins over [0, absmax], zeros left out. */
function exactHistogram(samples: Float32Array[]): { hist: Float64Array; absmax: number } {
  let absmax = 0;
  for (const s of samples) for (const v of s) absmax = Math.max(absmax, Math.abs(v));
  const hist = new Float64Array(NCNN_BINS);
  for (const s of samples) for (const v of s) if (v !== 0) hist[Math.min(Math.floor((Math.abs(v) / absmax) * NCNN_BINS), NCNN_BINS - 1)]!++;
  return { hist, absmax };
}

test('histogram: one streaming pass matches the two-pass histogram while the range grows', () => {
  // later samples are wider, so the streaming range has to double several times
  const samples = [0.1, 0.5, 1, 3, 7].map((sigma, i) => gaussian(20000, 7 + i, sigma));
  const h = new BlobHistogram();
  for (const s of samples) h.add(s);
  const { hist, absmax } = exactHistogram(samples);
  assert.equal(h.absmax, absmax);
  const got = h.resample();
  let total = 0;
  let maxErr = 0;
  for (let i = 0; i < NCNN_BINS; i++) {
    total += got[i]!;
    maxErr = Math.max(maxErr, Math.abs(got[i]! - hist[i]!));
  }
  assert.ok(Math.abs(total - 100000) < 1e-6, `counts preserved (${total})`);
  // the resampling only moves counts within one fine bin: tiny next to the largest bin
  const peak = Math.max(...hist);
  assert.ok(maxErr < 0.05 * peak, `max bin error ${maxErr} vs peak ${peak}`);
  // and the KL threshold found on it is the same to within a bin or two
  const tStream = klThreshold(got, h.absmax);
  const tExact = klThreshold(hist, absmax);
  assert.ok(Math.abs(tStream - tExact) <= 3 * (absmax / NCNN_BINS), `${tStream} vs ${tExact}`);
});

test('kl: clips a heavy-tailed distribution well below its max, keeps a uniform one near max', () => {
  const g = gaussian(200000, 1);
  g[0] = 40; // one outlier sets absmax
  const hg = new BlobHistogram();
  hg.add(g);
  const tg = activationThreshold(hg, 'kl');
  assert.ok(tg > 2.5 && tg < 8, `gaussian+outlier threshold ${tg}`);

  const uni = new Float32Array(200000).map((_, i) => (i / 200000) * 2 - 1);
  const hu = new BlobHistogram();
  hu.add(uni);
  const tu = activationThreshold(hu, 'kl');
  assert.ok(tu > 0.9 && tu <= 1, `uniform threshold ${tu}`);
});

test('minmax, percentile and aciq thresholds', () => {
  const g = gaussian(100000, 3);
  const h = new BlobHistogram();
  h.add(g);
  const sorted = Array.from(g, Math.abs).sort((a, b) => a - b);
  assert.equal(activationThreshold(h, 'minmax'), sorted[sorted.length - 1]);
  const p99 = activationThreshold(h, 'percentile', { percentile: 99 });
  const exact99 = sorted[Math.floor(0.99 * sorted.length)]!;
  assert.ok(Math.abs(p99 - exact99) < 0.01, `p99 ${p99} vs ${exact99}`);
  // ACIQ: alpha(8 bits) * sigma estimated from absmax and N (ncnn2table's constants)
  const t = aciqThreshold(4, 10000);
  const gc = 0.5 * 0.35 * (1 + Math.sqrt(Math.PI * Math.log(4)));
  assert.ok(Math.abs(t - (3.92403714 * 4 * 2 * gc) / Math.sqrt(2 * Math.log(10000))) < 1e-9);
});
