/**
 * Streaming |x| histogram of one blob over many images, in a single pass.
 *
 * ncnn2table runs the whole calibration set twice (absmax first, then a 2048-bin histogram
 * over [0, absmax]). Here one pass suffices: FINE_BINS bins cover [0, range); absmax is
 * taken while counting, and when a sample reaches past range, range doubles and
 * neighbouring bins merge pairwise (exact) before its overflowing values are recounted. At
 * the end the fine bins are resampled onto ncnn's 2048 bins over [0, absmax]: range <= 2*absmax, so
 * every target bin spans >= 8 fine bins and the resampling error stays within one fine bin.
 * The range is always a power of two, so histograms built apart (one per calibration
 * worker) merge exactly: a fine bin of the narrower one falls whole into one of the wider.
 * Fine bin i holds |x| in (i*w, (i+1)*w] (w = range/FINE_BINS), so index ceil(|x|/w) is
 * free for exact zeros, which ncnn2table leaves out: no per-value branch separates them.
 *
 * By default every value is counted, as ncnn2table does. `maxBinned` > 0 counts at most that
 * many values of each sample instead (absmax stays exact): a strided subsample whose stride
 * is coprime with the row width (so every column is visited) and whose start rotates from
 * image to image. It bins faster, but on real models it moves the KL thresholds by a few
 * percent (p90 5% at 16,384 values per sample, measured on two MobileFaceNets), about twice
 * the difference between full counting and ncnn2table itself, so it is opt-in.
 */
import { CountKernel } from './count-kernel.js';

export const NCNN_BINS = 2048;
const FINE_BINS = NCNN_BINS * 16;
/** Slot 0 counts exact zeros, slot j (1..FINE_BINS) fine bin j-1, the last one values past range. */
const OVER = FINE_BINS + 1;
const SLOTS = FINE_BINS + 2;
/**
 * Kernel memory one histogram's u32 counters (one per slot) take while it counts. A single
 * counter per slot, not several interleaved ones: runs of equal values (zeros, clipped
 * maxima) forward fine from store to load on current x86, while every extra copy of the
 * counters costs cache; measured on MobileFaceNet activations, one counter per slot counts
 * about 1.3x faster than four.
 */
export const HISTOGRAM_KERNEL_BYTES = SLOTS * 4;
/** The kernel scales in float32: blobs whose values all lie below ~1e-31 count in JavaScript. */
const MAX_KERNEL_K = 2 ** 120;
/** Flush the counters into the float64 totals before any u32 count could overflow. */
const FLUSH_AT = 2 ** 32 - 2 ** 28;
/** Values of one sample that go into the histogram; 0 counts every value (the default). */
export const MAX_BINNED_PER_SAMPLE = 0;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** max |x|, four independent maxima so the loop is not one long dependency chain. */
function absMax(x: Float32Array): number {
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  let m3 = 0;
  const n4 = x.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    m0 = Math.max(m0, Math.abs(x[i]!));
    m1 = Math.max(m1, Math.abs(x[i + 1]!));
    m2 = Math.max(m2, Math.abs(x[i + 2]!));
    m3 = Math.max(m3, Math.abs(x[i + 3]!));
  }
  for (let i = n4; i < x.length; i++) m0 = Math.max(m0, Math.abs(x[i]!));
  return Math.max(m0, m1, m2, m3);
}

/** Subsampling stride for n values in rows of `width`: >= n / max, coprime with width. */
export function binningStride(n: number, width: number, max = MAX_BINNED_PER_SAMPLE): number {
  if (max <= 0 || n <= max) return 1;
  let s = Math.ceil(n / max);
  while (gcd(s, Math.max(1, width)) !== 1) s++;
  return s;
}

export class BlobHistogram {
  private readonly totals = new Float64Array(FINE_BINS);
  /** Byte offset of this histogram's counters in the kernel's memory, while it counts. */
  private countersAt: number | undefined;
  /** Values counted in the counters since the last flush. */
  private pending = 0;
  private nonzeroTotal = 0;
  range = 0;
  absmax = 0;
  /** Elements of one sample (ACIQ's N, as ncnn2table takes it). */
  sampleSize = 0;
  samples = 0;

  /** Counts per fine bin over [0, range). */
  get fine(): Float64Array {
    this.flush();
    return this.totals;
  }

  /** Non-zero values seen (ncnn2table leaves exact zeros out of the histogram). */
  get nonzero(): number {
    this.flush();
    return this.nonzeroTotal;
  }

  /**
   * Adds one sample's values; `width` is its innermost dimension (for the subsampling
   * stride), `maxBinned` the subsample size (0: bin every value).
   */
  add(x: Float32Array, width = 1, maxBinned = MAX_BINNED_PER_SAMPLE): void {
    this.sampleSize = x.length;
    this.samples++;
    if (this.range === 0) {
      // the first non-zero sample sets the range; later ones only ever double it
      const m = absMax(x);
      if (!(m < Infinity)) throw new RangeError('NaN or infinite values');
      if (m === 0) return;
      this.range = 2 ** Math.ceil(Math.log2(m));
    }
    if (this.pending + x.length >= FLUSH_AT) this.flush();
    const kernel = CountKernel.get();
    const at = (this.countersAt ??= kernel.acquire(SLOTS));
    const k = FINE_BINS / this.range;
    const stride = binningStride(x.length, width, maxBinned);
    let m: number;
    if (stride === 1 && k <= MAX_KERNEL_K) {
      // absmax rides along; values past range land in slot OVER
      m = kernel.count(x, at, k, OVER);
      this.pending += x.length;
    } else {
      m = absMax(x);
      const counters = kernel.view(at, SLOTS);
      let n = 0;
      for (let i = (this.samples - 1) % stride; i < x.length; i += stride, n++) counters[Math.min(Math.ceil(Math.abs(x[i]!) * k), OVER)]!++;
      this.pending += n;
    }
    const overflowed = this.overflowSlot()[0]! > 0;
    // the kernel sends NaN to slot OVER but its max may miss it: past range, take the exact max
    if (overflowed) m = absMax(x);
    if (!(m < Infinity)) throw new RangeError('NaN or infinite values');
    if (m > this.absmax) this.absmax = m;
    if (overflowed) this.widen(x, k, stride);
  }

  /** The counter of slot OVER (values past range) of the counters this histogram holds. */
  private overflowSlot(): Uint32Array {
    return CountKernel.get().view(this.countersAt! + OVER * 4, 1);
  }

  /**
   * Some values of the sample just counted lay past range (rare: range only grows). Their
   * counts leave the overflow slot, range doubles until it holds them (the other values'
   * bins merge exactly), and they are counted again at their new bins.
   */
  private widen(x: Float32Array, kOld: number, stride: number): void {
    const over = this.overflowSlot();
    this.pending -= over[0]!;
    over[0] = 0;
    this.flush();
    while (this.absmax > this.range) this.grow();
    const k = FINE_BINS / this.range;
    const t = this.totals;
    for (let i = (this.samples - 1) % stride; i < x.length; i += stride) {
      const a = Math.abs(x[i]!);
      if (Math.ceil(a * kOld) > FINE_BINS) {
        t[Math.ceil(a * k) - 1]!++;
        this.nonzeroTotal++;
      }
    }
  }

  /** Moves the counts into the float64 totals (slot j is fine bin j-1). */
  private flush(): void {
    if (this.countersAt === undefined) return;
    const kernel = CountKernel.get();
    const counters = kernel.view(this.countersAt, SLOTS);
    const t = this.totals;
    for (let j = 1; j <= FINE_BINS; j++) t[j - 1]! += counters[j]!;
    this.nonzeroTotal += this.pending - counters[0]!;
    counters.fill(0);
    kernel.release(this.countersAt, SLOTS);
    this.countersAt = undefined;
    this.pending = 0;
  }

  private grow(): void {
    const f = this.fine;
    for (let i = 0; i < FINE_BINS / 2; i++) f[i] = f[2 * i]! + f[2 * i + 1]!;
    f.fill(0, FINE_BINS / 2);
    this.range *= 2;
  }

  /** Counts in `bins` equal bins over [0, absmax], as ncnn2table's histogram. */
  resample(bins = NCNN_BINS): Float64Array {
    const out = new Float64Array(bins);
    if (this.absmax === 0) return out;
    const w = this.range / FINE_BINS; // fine bin width
    const scale = bins / this.absmax;
    const f = this.fine;
    for (let i = 0; i < FINE_BINS; i++) {
      const c = f[i]!;
      if (c === 0) continue;
      const lo = i * w * scale;
      const hi = Math.min((i + 1) * w * scale, bins);
      if (lo >= bins) {
        out[bins - 1]! += c;
        continue;
      }
      // spread the fine bin's count uniformly over the target bins it overlaps
      let a = lo;
      while (a < hi - 1e-12) {
        const t = Math.floor(a);
        const b = Math.min(t + 1, hi);
        out[Math.min(t, bins - 1)]! += (c * (b - a)) / (hi - lo);
        a = b;
      }
    }
    return out;
  }

  /** The value below which `fraction` of the non-zero |x| lie. */
  quantile(fraction: number): number {
    if (this.nonzero === 0) return 0;
    const target = fraction * this.nonzero;
    const w = this.range / FINE_BINS;
    let acc = 0;
    const f = this.fine;
    for (let i = 0; i < FINE_BINS; i++) {
      const c = f[i]!;
      if (acc + c >= target) {
        const within = c > 0 ? (target - acc) / c : 0;
        return Math.min((i + within) * w, this.absmax);
      }
      acc += c;
    }
    return this.absmax;
  }

  /** Merges another histogram of the same blob (one built by another calibration worker). */
  merge(o: BlobHistogram): void {
    this.samples += o.samples;
    if (o.absmax === 0) return;
    if (this.range === 0) {
      this.totals.set(o.fine);
      this.range = o.range;
    } else {
      while (this.range < o.range) this.grow();
      const f = this.fine;
      // both ranges are powers of two: o's fine bin i lies whole in this one's bin i >> shift
      const shift = Math.round(Math.log2(this.range / o.range));
      const of = o.fine;
      for (let i = 0; i < FINE_BINS; i++) {
        const c = of[i]!;
        if (c !== 0) f[i >> shift]! += c;
      }
    }
    this.absmax = Math.max(this.absmax, o.absmax);
    this.nonzeroTotal += o.nonzero;
    this.sampleSize = o.sampleSize || this.sampleSize;
  }

  /** A structured-cloneable copy of the state (to send between worker threads). */
  toState(): HistogramState {
    const { fine, range, absmax, nonzero, sampleSize, samples } = this;
    return { fine, range, absmax, nonzero, sampleSize, samples };
  }

  static fromState(s: HistogramState): BlobHistogram {
    const h = new BlobHistogram();
    h.fine.set(s.fine);
    Object.assign(h, { range: s.range, absmax: s.absmax, nonzeroTotal: s.nonzero, sampleSize: s.sampleSize, samples: s.samples });
    return h;
  }
}

export interface HistogramState {
  fine: Float64Array;
  range: number;
  absmax: number;
  nonzero: number;
  sampleSize: number;
  samples: number;
}
