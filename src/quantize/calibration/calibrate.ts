/** Streams the calibration set through statistics collectors and merges what they gather. */
import os from 'node:os';
import type { Preprocess } from '../../image/preprocess.js';
import type { NcnnRuntime } from '../../runtime/ncnn.js';
import { NcnnActivationSource, OnnxActivationSource, type BlobValues } from './activation-source.js';
import { BlobStats } from './blob-stats.js';
import { streamCalibrationBatches, type ImageStreamStats } from './images.js';
import type { BlobHistogram } from './histogram.js';
import { OnnxWorkerPool } from './onnx-worker-pool.js';
import { ProgressBar } from './progress.js';
import { InlineCollector, type StatsCollector } from './stats-collector.js';

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

/** The FP32 model whose activations are calibrated, in the forms it is available in. */
export interface CalibrationModel {
  /** The ONNX file, when there is one: its blobs are read in onnxruntime workers. */
  onnx?: string;
  /** The ncnn files, for the blobs the ONNX graph lacks (or all of them without ONNX). */
  param: string;
  bin: string;
  /** The ncnn input blob the images go to. */
  input: string;
}

export interface CalibrateOptions {
  /** Samples kept per blob (NCHW order) besides the histograms (ScaleMethod.keepSamples). */
  keepSamples: number;
  threads?: number;
  progress?: boolean;
  log?: (line: string) => void;
}

/**
 * Statistics of `blobs` over the calibration images: from the ONNX model in one worker per
 * core where it has them, from ncnn (in `runtime`, started on demand) for the rest.
 */
export async function calibrate(
  m: CalibrationModel,
  blobs: string[],
  files: string[],
  pre: Preprocess,
  runtime: () => Promise<NcnnRuntime>,
  opts: CalibrateOptions,
): Promise<CalibrationStats> {
  const keep = opts.keepSamples;
  const collectors: StatsCollector[] = [];
  let ncnnBlobs = blobs;
  try {
    if (m.onnx) {
      // samples are kept in NCHW order; histograms alone take any layout
      const prepared = keep > 0 ? OnnxActivationSource.prepare(m.onnx, blobs) : await OnnxActivationSource.prepareForHistograms(m.onnx, blobs);
      // one worker per core, but no more than there are images to share out
      const workers = Math.max(1, Math.min(opts.threads ?? os.availableParallelism(), files.length));
      collectors.push(await OnnxWorkerPool.open(prepared, workers, keep));
      ncnnBlobs = prepared.missing;
      if (ncnnBlobs.length) opts.log?.(`calibration: ${ncnnBlobs.length} blob(s) not in the ONNX graph, read from ncnn: ${ncnnBlobs.join(', ')}`);
    }
    if (ncnnBlobs.length) {
      const source = await NcnnActivationSource.open(m.param, m.bin, m.input, ncnnBlobs, await runtime());
      // the net stays loaded in the shared runtime (closed with it)
      collectors.push(new InlineCollector(source, keep, false));
    }
    return await collectActivationStats(collectors, files, pre, { progress: opts.progress });
  } finally {
    for (const c of collectors) await c.close();
  }
}
