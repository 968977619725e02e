/** `minmax`: no clipping, the largest |x| seen in calibration. */
import type { ScaleMethod } from './method.js';

export const minmax: ScaleMethod<'minmax'> = {
  name: 'minmax',
  threshold: (h) => h.absmax,
};
