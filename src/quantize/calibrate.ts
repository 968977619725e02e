/** Streams the calibration set through an activation source and builds per-blob statistics. */
import type { Preprocess } from '../image/preprocess.js';
import type { ActivationSource, BlobValues } from './activation-source.js';
import { streamCalibrationBatches, type CalibrationBatch, type ImageStreamStats } from './calibration-images.js';
import { BlobHistogram, MAX_BINNED_PER_SAMPLE } from './histogram.js';
import { ProgressBar } from './progress.js';

export interface CalibrationStats {
  /** |x| histogram per ncnn blob. */
  histograms: Map<string, BlobHistogram>;
  /** The first `keepSamples` samples of each blob (for eq's layer-level search). */
  samples: Map<string, BlobValues & { n: number }>;
  /** Per-sample shape of each blob ([c, h, w] for feature maps). */
  shapes: Map<string, number[]>;
  images: ImageStreamStats;
  seconds: number;
}

export interface CollectOptions {
  /** Images per runtime call (default: what the sources prefer). */
  batch?: number;
  keepSamples?: number;
  /** Values per sample binned into each histogram (0: all; see histogram.ts). */
  maxBinned?: number;
  progress?: boolean;
}

function shapeSize(s: number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

export async function collectActivationStats(
  sources: ActivationSource[],
  files: string[],
  pre: Preprocess,
  opts: CollectOptions = {},
): Promise<CalibrationStats> {
  const t0 = performance.now();
  const batchSize = opts.batch ?? (sources.length ? Math.max(1, Math.min(...sources.map((s) => s.preferredBatch))) : 8);
  const keep = opts.keepSamples ?? 0;
  const binned = opts.maxBinned ?? MAX_BINNED_PER_SAMPLE;
  const histograms = new Map<string, BlobHistogram>();
  const kept = new Map<string, { parts: Float32Array[]; shape: number[]; n: number }>();
  const shapes = new Map<string, number[]>();
  for (const s of sources) for (const b of s.blobs) histograms.set(b, new BlobHistogram());
  const images: ImageStreamStats = { used: 0, skipped: [] };
  const bar = new ProgressBar('calibrating', files.length, opts.progress ?? true);

  const absorb = (batch: CalibrationBatch, results: Array<Map<string, BlobValues>>) => {
    for (const res of results) {
      for (const [blob, v] of res) {
        const per = shapeSize(v.shape);
        shapes.set(blob, v.shape);
        const h = histograms.get(blob)!;
        const width = v.shape[v.shape.length - 1] ?? 1;
        for (let i = 0; i < batch.n; i++) h.add(v.data.subarray(i * per, (i + 1) * per), width, binned);
        const k = kept.get(blob) ?? { parts: [], shape: v.shape, n: 0 };
        const take = Math.min(keep - k.n, batch.n);
        if (take > 0) {
          k.parts.push(v.data.slice(0, take * per));
          k.n += take;
        }
        kept.set(blob, k);
      }
    }
  };

  // one batch in flight in the runtimes while the previous one is histogrammed here
  let inflight: { batch: CalibrationBatch; results: Promise<Array<Map<string, BlobValues>>> } | undefined;
  const runAll = (b: CalibrationBatch) => Promise.all(sources.map((s) => s.run(b)));
  for await (const batch of streamCalibrationBatches(files, pre, batchSize, images)) {
    const started = { batch, results: runAll(batch) };
    if (inflight) absorb(inflight.batch, await inflight.results);
    inflight = started;
    bar.update(images.used + images.skipped.length);
  }
  if (inflight) absorb(inflight.batch, await inflight.results);
  bar.update(files.length);
  bar.done();

  const samples = new Map<string, BlobValues & { n: number }>();
  for (const [blob, k] of kept) {
    if (k.n === 0) continue;
    const per = shapeSize(k.shape);
    const data = new Float32Array(k.n * per);
    let o = 0;
    for (const p of k.parts) {
      data.set(p, o);
      o += p.length;
    }
    samples.set(blob, { data, shape: k.shape, n: k.n });
  }
  return { histograms, samples, shapes, images, seconds: (performance.now() - t0) / 1000 };
}
