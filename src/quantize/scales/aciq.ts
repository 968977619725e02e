/** `aciq`: Gaussian clipping with ncnn2table's constants. */
import type { ScaleMethod } from './method.js';

export const aciq: ScaleMethod<'aciq'> = {
  name: 'aciq',
  threshold: (h) => aciqThreshold(h.absmax, h.sampleSize),
};

/** ACIQ Gaussian clipping (ncnn2table's constants): threshold from absmax and sample size. */
export function aciqThreshold(absmax: number, n: number, bits = 8): number {
  const alpha = [0, 1.71063519, 2.15159277, 2.55913646, 2.93620062, 3.28691474, 3.6151146, 3.92403714];
  const gaussianConst = 0.5 * 0.35 * (1 + Math.sqrt(Math.PI * Math.log(4)));
  const std = (absmax * 2 * gaussianConst) / Math.sqrt(2 * Math.log(Math.max(n, 2)));
  return Math.min(alpha[bits - 1]! * std, absmax);
}
