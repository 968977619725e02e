import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlobHistogram, NCNN_BINS, binningStride } from '../../src/quantize/calibration/histogram.js';
import { aciqThreshold } from '../../src/quantize/scales/aciq.js';
import { klCurve, klThreshold } from '../../src/quantize/scales/kl.js';
import { activationThreshold } from '../../src/quantize/scales/registry.js';

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
  for (const s of samples) h.add(s, 1, 0);
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
  h.add(g, 1, 0);
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

test('histogram: binning a strided subsample keeps absmax exact and the thresholds of full counting', () => {
  // 40 "images" of a 64x28x28 feature map whose channels have different scales
  const [c, hw] = [64, 28 * 28];
  const samples = Array.from({ length: 40 }, (_, i) => {
    const x = gaussian(c * hw, 100 + i);
    for (let ch = 0; ch < c; ch++) for (let j = 0; j < hw; j++) x[ch * hw + j]! *= 0.2 + (ch % 8);
    return x;
  });
  samples[17]![1234] = 90; // one outlier outside the subsample of its image
  const full = new BlobHistogram();
  const sub = new BlobHistogram();
  for (const x of samples) {
    full.add(x, 28, 0);
    sub.add(x, 28, 16384);
  }
  const stride = binningStride(c * hw, 28, 16384);
  assert.ok(stride > 1 && stride % 2 === 1 && stride % 7 !== 0, `stride ${stride} must be > 1 and coprime with 28`);
  assert.equal(sub.absmax, full.absmax);
  assert.equal(sub.absmax, 90);
  for (const method of ['kl', 'percentile', 'aciq', 'minmax'] as const) {
    const a = activationThreshold(full, method, { percentile: 99.99 });
    const b = activationThreshold(sub, method, { percentile: 99.99 });
    assert.ok(Math.abs(a - b) <= 0.02 * a, `${method}: subsampled ${b} vs full ${a}`);
  }
});

/** The direct O(t)-per-candidate definition of ncnn2table's KL search (the oracle). */
function klReference(hist: Float64Array, absmax: number, targetBins = 128): { threshold: number; curve: Float64Array } {
  const n = hist.length;
  const sum = hist.reduce((a, b) => a + b, 0);
  const p = Float64Array.from(hist, (v) => v / sum);
  const eps = 0.0001;
  let best = targetBins;
  let bestKl = Infinity;
  const curve = new Float64Array(n).fill(Infinity);
  for (let t = targetBins; t < n; t++) {
    const clip = new Float64Array(t);
    for (let j = 0; j < t; j++) clip[j] = eps + p[j]!;
    for (let i = t; i < n; i++) clip[t - 1]! += p[i]!;
    const per = t / targetBins;
    const expand = new Float64Array(t).fill(eps);
    for (let j = 0; j < targetBins; j++) {
      const start = j * per;
      const end = (j + 1) * per;
      // mass of p over [start, end) (fractional bins at both ends), spread back uniformly
      let acc = 0;
      for (let k = Math.floor(start); k < Math.min(Math.ceil(end), t); k++) acc += p[k]! * (Math.min(end, k + 1) - Math.max(start, k));
      const q = acc / per;
      for (let k = Math.floor(start); k < Math.min(Math.ceil(end), t); k++) expand[k]! += q * (Math.min(end, k + 1) - Math.max(start, k));
    }
    let kl = 0;
    for (let j = 0; j < t; j++) kl += clip[j]! * Math.log(clip[j]! / expand[j]!);
    curve[t] = kl;
    if (kl < bestKl) {
      bestKl = kl;
      best = t;
    }
  }
  return { threshold: ((best + 0.5) * absmax) / n, curve };
}

test('kl: the prefix-sum search gives the divergences and threshold of the direct definition', () => {
  const shapes: Array<[string, (i: number) => number]> = [
    ['gaussian', (i) => Math.exp(-((i / 300) ** 2))],
    ['relu-like, heavy tail', (i) => (i === 0 ? 5000 : 1 / (1 + i / 20) ** 2.5)],
    ['bimodal with gaps', (i) => (i % 7 === 0 ? 0 : Math.exp(-(((i - 200) / 60) ** 2)) + 0.3 * Math.exp(-(((i - 900) / 120) ** 2)))],
    ['sparse', (i) => (i < 400 && i % 3 === 0 ? 1 + (i % 11) : i === 1700 ? 2 : 0)],
    ['far outlier cluster', (i) => Math.exp(-((i / 90) ** 2)) + (i > 1500 && i < 1900 ? 0.004 : 0)],
    ['flat then cliff', (i) => (i < 1000 ? 1 : 0.05)],
  ];
  for (const [name, f] of shapes) {
    const hist = Float64Array.from({ length: NCNN_BINS }, (_, i) => Math.round(1e6 * f(i)) / 1e3);
    const ref = klReference(hist, 10);
    const got = klCurve(hist);
    for (let t = 128; t < NCNN_BINS; t++) {
      assert.ok(Math.abs(got[t]! - ref.curve[t]!) <= 1e-9 * Math.max(1, Math.abs(ref.curve[t]!)), `${name}: KL at bin ${t}: ${got[t]} vs ${ref.curve[t]}`);
    }
    assert.equal(klThreshold(hist, 10), ref.threshold, name);
  }
});

test('histogram: exact zeros stay out of the counts (ncnn2table), whatever the sample length', () => {
  for (const n of [1, 3, 4, 7, 4097]) {
    const x = new Float32Array(n).map((_, i) => (i % 3 === 0 ? 0 : ((i % 5) - 2) * 0.7));
    const h = new BlobHistogram();
    h.add(x, 1, 0);
    h.add(x.map((v) => v * 3), 1, 0); // grows the range after the first fold
    const { hist, absmax } = exactHistogram([x, x.map((v) => v * 3)]);
    assert.equal(h.absmax, absmax, `n=${n}`);
    const nonzero = hist.reduce((a, b) => a + b, 0);
    assert.equal(h.nonzero, nonzero, `n=${n}`);
    const got = h.resample();
    assert.ok(Math.abs(got.reduce((a, b) => a + b, 0) - nonzero) < 1e-9, `n=${n}: resampled counts`);
  }
});

test('histogram: parts built apart (ranges differing by powers of two) merge into exactly the whole', () => {
  const samples = [0.3, 2, 0.05, 9, 1].map((sigma, i) => gaussian(5003, 40 + i, sigma));
  samples[2]![7] = 0; // exact zeros and runs of equal values
  const whole = new BlobHistogram();
  for (const s of samples) whole.add(s, 1, 0);
  const a = new BlobHistogram();
  const b = new BlobHistogram();
  samples.forEach((s, i) => (i % 2 ? a : b).add(s, 1, 0));
  assert.notEqual(a.range, b.range, 'the parts must start from different ranges');
  const merged = BlobHistogram.fromState(a.toState());
  merged.merge(BlobHistogram.fromState(b.toState()));
  assert.equal(merged.range, whole.range);
  assert.equal(merged.absmax, whole.absmax);
  assert.equal(merged.nonzero, whole.nonzero);
  assert.equal(merged.samples, whole.samples);
  assert.deepEqual([...merged.fine], [...whole.fine]);
  // and each fine count is what binning |x| into (i*w, (i+1)*w] gives directly
  const w = whole.range / whole.fine.length;
  const direct = new Float64Array(whole.fine.length);
  for (const s of samples) for (const v of s) if (v !== 0) direct[Math.ceil(Math.abs(v) / w) - 1]!++;
  assert.deepEqual([...whole.fine], [...direct]);
});

test('histogram: NaN or infinite activations are refused, not binned', () => {
  const h = new BlobHistogram();
  assert.throws(() => h.add(new Float32Array([1, NaN, 2])), /NaN or infinite/);
  assert.throws(() => h.add(new Float32Array([1, -Infinity])), /NaN or infinite/);
  // past the first sample the kernel's vector loop counts them: a NaN there may be missing
  // from its max, whatever its lane, and must still be refused
  for (let at = 0; at < 8; at++) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const g = new BlobHistogram();
      g.add(Float32Array.from({ length: 16 }, (_, i) => i / 4));
      const x = Float32Array.from({ length: 16 }, (_, i) => i / 8);
      x[at] = bad;
      assert.throws(() => g.add(x), /NaN or infinite/, `${bad} at ${at}`);
    }
  }
});

test('histogram: the WebAssembly counting kernel bins edges, overflows and tails exactly as direct binning', () => {
  // values on fine-bin edges, at the range, just past it (range grows mid-stream), subnormals,
  // odd lengths (the kernel's scalar tail), and histograms that flush and recount in turn
  const edges = (range: number, n: number) => Float32Array.from({ length: n }, (_, i) => ((i % 97) * range) / 32768 - (i % 2 ? range / 2 ** 20 : 0));
  const streams = [
    [edges(4, 1001), Float32Array.from([4, -4, 4.000001, 1e-42, 0, -0]), edges(16, 333), gaussian(4099, 7, 3), gaussian(1027, 10, 1)],
    [gaussian(7, 8, 0.01), edges(0.5, 4096), Float32Array.from([0.75, -1.5, 3]), gaussian(2053, 9, 100), gaussian(1023, 11, 30)],
    // so small that the float32 kernel cannot scale them: counted in JavaScript instead
    [gaussian(101, 12, 1e-36), gaussian(33, 13, 1e-36), gaussian(7, 14, 3e-36), gaussian(1001, 15, 1e-36), gaussian(5, 16, 1e-36)],
  ];
  const hs = streams.map(() => new BlobHistogram());
  for (let step = 0; step < 5; step++) {
    streams.forEach((s, j) => hs[j]!.add(s[step]!, 1, 0));
    if (step === 1) void hs[0]!.fine; // flushes: its counters go back and are taken again
  }
  streams.forEach((s, j) => {
    const h = hs[j]!;
    const w = h.range / h.fine.length;
    const direct = new Float64Array(h.fine.length);
    let absmax = 0;
    for (const x of s) for (const v of x) {
      absmax = Math.max(absmax, Math.abs(v));
      if (v !== 0) direct[Math.ceil(Math.abs(v) / w) - 1]!++;
    }
    assert.equal(h.absmax, absmax, `stream ${j}: absmax`);
    assert.equal(h.nonzero, direct.reduce((a, b) => a + b, 0), `stream ${j}: non-zero count`);
    assert.deepEqual([...h.fine], [...direct], `stream ${j}: fine bins`);
  });
});
