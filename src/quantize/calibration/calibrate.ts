/** Streams the calibration set through statistics collectors and merges what they gather. */
import type { Preprocess } from '../../image/preprocess.js';
import type { BlobValues } from './activation-source.js';
import { BlobStats } from './blob-stats.js';
import { streamCalibrationBatches, type ImageStreamStats } from './images.js';
import type { BlobHistogram } from './histogram.js';
import { ProgressBar } from './progress.js';
import type { StatsCollector } from './stats-collector.js';

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
  /** Images per batch (default: what the collectors prefer). */
  batch?: number;
  progress?: boolean;
}

export async function collectActivationStats(
  collectors: StatsCollector[],
  files: string[],
  pre: Preprocess,
  opts: CollectOptions = {},
): Promise<CalibrationStats> {
  const t0 = performance.now();
  const batchSize = opts.batch ?? (collectors.length ? Math.max(1, Math.min(...collectors.map((c) => c.preferredBatch))) : 8);
  const images: ImageStreamStats = { used: 0, skipped: [] };
  const bar = new ProgressBar('calibrating', files.length, opts.progress ?? true);
  let first = 0;
  for await (const batch of streamCalibrationBatches(files, pre, batchSize, images)) {
    await Promise.all(collectors.map((c) => c.feed(batch, first)));
    first += batch.n;
    bar.update(images.used + images.skipped.length);
  }
  const stats = new BlobStats(collectors.flatMap((c) => c.blobs));
  for (const c of collectors) stats.merge(await c.finish());
  bar.update(files.length);
  bar.done();
  return { histograms: stats.histograms, samples: stats.samples(), shapes: stats.shapes, images, seconds: (performance.now() - t0) / 1000 };
}
