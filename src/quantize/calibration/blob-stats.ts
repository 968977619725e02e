/**
 * Per-blob calibration statistics as one collector accumulates them: the |x| histogram, the
 * per-sample shape and the first few samples (for eq's layer-level search). Collectors in
 * worker threads send theirs back as a state that merges exactly into the main thread's.
 */
import { EdgefaceError } from '../../errors.js';
import { numel } from '../../ir/tensor.js';
import type { BlobValues } from './activation-source.js';
import { BlobHistogram, type HistogramState } from './histogram.js';

/** One kept sample of a blob, with its position in the calibration stream. */
interface KeptSample {
  index: number;
  data: Float32Array;
}

export interface BlobStatsState {
  histograms: Array<[string, HistogramState]>;
  shapes: Array<[string, number[]]>;
  kept: Array<[string, KeptSample[]]>;
}

export class BlobStats {
  readonly histograms = new Map<string, BlobHistogram>();
  readonly shapes = new Map<string, number[]>();
  private readonly kept = new Map<string, KeptSample[]>();

  /** @param keep samples to keep per blob: those at stream positions 0 .. keep-1 */
  constructor(
    blobs: string[],
    private readonly keep = 0,
  ) {
    for (const b of blobs) this.histograms.set(b, new BlobHistogram());
  }

  /** Adds a batch of n samples (from `files`) whose first sits at stream position `first`. */
  absorb(n: number, first: number, values: Map<string, BlobValues>, files: string[] = []): void {
    for (const [blob, v] of values) {
      const per = numel(v.shape);
      this.shapes.set(blob, v.shape);
      const h = this.histograms.get(blob)!;
      const width = v.shape[v.shape.length - 1] ?? 1;
      for (let i = 0; i < n; i++) {
        try {
          h.add(v.data.subarray(i * per, (i + 1) * per), width);
        } catch (e) {
          throw new EdgefaceError(`blob ${blob}: ${(e as Error).message} in the FP32 activations of calibration image ${files[i] ?? `#${first + i}`}`);
        }
      }
      for (let i = 0; i < n && first + i < this.keep; i++) {
        const k = this.kept.get(blob) ?? [];
        k.push({ index: first + i, data: v.data.slice(i * per, (i + 1) * per) });
        this.kept.set(blob, k);
      }
    }
  }

  toState(): BlobStatsState {
    return {
      histograms: [...this.histograms].map(([b, h]) => [b, h.toState()]),
      shapes: [...this.shapes],
      kept: [...this.kept],
    };
  }

  /** Buffers a state can hand over instead of copying. */
  static transferables(s: BlobStatsState): ArrayBuffer[] {
    return [
      ...s.histograms.map(([, h]) => h.fine.buffer as ArrayBuffer),
      ...s.kept.flatMap(([, k]) => k.map((x) => x.data.buffer as ArrayBuffer)),
    ];
  }

  merge(s: BlobStatsState): void {
    for (const [b, h] of s.histograms) {
      const mine = this.histograms.get(b);
      if (mine) mine.merge(BlobHistogram.fromState(h));
      else this.histograms.set(b, BlobHistogram.fromState(h));
    }
    for (const [b, shape] of s.shapes) this.shapes.set(b, shape);
    for (const [b, k] of s.kept) this.kept.set(b, [...(this.kept.get(b) ?? []), ...k]);
  }

  /** The kept samples of each blob, in stream order, back to back. */
  samples(): Map<string, BlobValues & { n: number }> {
    const out = new Map<string, BlobValues & { n: number }>();
    for (const [blob, k] of this.kept) {
      if (k.length === 0) continue;
      k.sort((a, b) => a.index - b.index);
      const shape = this.shapes.get(blob)!;
      const per = numel(shape);
      const data = new Float32Array(k.length * per);
      k.forEach((s, i) => data.set(s.data, i * per));
      out.set(blob, { data, shape, n: k.length });
    }
    return out;
  }
}
