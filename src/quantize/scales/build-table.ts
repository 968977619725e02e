/** Calibration statistics + weights -> a calibration table (ncnn2table's output). */
import { EdgefaceError } from '../../errors.js';
import type { NcnnModel } from '../../ncnn/model.js';
import type { CalibrationStats } from '../calibration/calibrate.js';
import { quantizableLayers, weightScales } from '../selection/quantizable.js';
import { emptyTable, type QuantTable } from '../table.js';
import { activationThreshold, type ActivationMethod } from './registry.js';

export interface TableOptions {
  method: ActivationMethod;
  percentile?: number;
  /** 6-bit weights on 3x3 stride-1 convolutions, as ncnn2table does for older int8 Winograd. */
  legacyWinograd?: boolean;
}

export function buildTable(model: NcnnModel, stats: CalibrationStats, opts: TableOptions): QuantTable {
  const t = emptyTable();
  const layers = quantizableLayers(model);
  for (const q of layers) t.weightScales.set(q.layer.name, weightScales(q, { legacyWinograd: opts.legacyWinograd }));
  for (const q of layers) {
    const h = stats.histograms.get(q.input);
    if (!h) throw new EdgefaceError(`calibration: no statistics for blob '${q.input}' (input of layer '${q.layer.name}')`);
    t.inputScales.set(q.layer.name, scaleFromThreshold(activationThreshold(h, opts.method, { percentile: opts.percentile })));
  }
  return t;
}

/** 127 / threshold, with a usable value for blobs that were all zero. */
export function scaleFromThreshold(threshold: number): number {
  return threshold > 0 && Number.isFinite(threshold) ? 127 / threshold : 1;
}
