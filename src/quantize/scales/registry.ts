/**
 * Every activation method, in one list: `edgeface quantize --method` takes these names and
 * tools/bench/int8_matrix.py reads them (print-methods.ts). Adding a method: one file
 * implementing ScaleMethod (method.ts) plus one entry here.
 */
import type { BlobHistogram } from '../calibration/histogram.js';
import { aciq } from './aciq.js';
import { eq } from './eq.js';
import { kl } from './kl.js';
import type { ScaleMethod, ThresholdOptions } from './method.js';
import { minmax } from './minmax.js';
import { percentile } from './percentile.js';

export const METHODS = [kl, aciq, eq, minmax, percentile] as const;

export type ActivationMethod = (typeof METHODS)[number]['name'];
export const ACTIVATION_METHODS: ActivationMethod[] = METHODS.map((m) => m.name);

/**
 * The default: a high percentile of |x|. Measured on 200 held-out LFW faces against FP32
 * (README), it beats ncnn2table's kl on every model tried, at the same calibration cost:
 * mean cosine 0.996 vs 0.959 on foamliu's MS1M MobileFaceNet, whose accuracy KL's clipping
 * hurts most, 0.996 vs 0.989 on insightface's, 0.999 vs 0.9987 on the bundled model.
 */
export const DEFAULT_METHOD: ActivationMethod = 'percentile';

export function scaleMethod(name: ActivationMethod): ScaleMethod {
  return METHODS.find((m) => m.name === name)!;
}

/** Threshold of one blob by method. */
export function activationThreshold(h: BlobHistogram, method: ActivationMethod, opts: ThresholdOptions = {}): number {
  return scaleMethod(method).threshold(h, opts);
}
