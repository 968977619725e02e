/**
 * The interface every activation method implements: how one blob's INT8 input scale is
 * chosen from the calibration statistics (scale = 127 / threshold). A new method is one
 * file implementing it plus one line in registry.ts.
 */
import type { NcnnModel } from '../../ncnn/model.js';
import type { CalibrationStats } from '../calibration/calibrate.js';
import type { BlobHistogram } from '../calibration/histogram.js';
import type { QuantTable } from '../table.js';

export interface ThresholdOptions {
  /** Percentile of |x| for 'percentile' (default DEFAULT_PERCENTILE). */
  percentile?: number;
}

export interface RefineOptions {
  threads?: number;
  log?: (line: string) => void;
}

export interface ScaleMethod<Name extends string = string> {
  /** The name `--method` takes. */
  readonly name: Name;
  /** Clipping threshold of one blob from its |x| histogram, in activation units. */
  threshold(h: BlobHistogram, opts: ThresholdOptions): number;
  /** Calibration samples kept per blob (NCHW order) for `refine`; 0 or absent: histograms only. */
  readonly keepSamples?: number;
  /** A second pass once every blob has its threshold (eq's layer-level scale search). */
  refine?(model: NcnnModel, table: QuantTable, stats: CalibrationStats, opts: RefineOptions): Promise<QuantTable>;
}
