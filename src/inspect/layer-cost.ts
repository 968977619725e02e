import { paramNumber, type NcnnLayer } from '../ncnn/model.js';
import { weightLayout } from '../ncnn/weight-layout.js';

/** ncnn blob shape as the runtime reports it: [c, h, w] / [h, w] / [w] (no batch). */
export type BlobShape = number[];

const prod = (s: BlobShape | undefined) => (s ?? []).reduce((a, b) => a * b, 1);

/** Learned parameters of a layer (weights + biases; int8 scales are not counted). */
export function layerParams(l: NcnnLayer): number {
  return weightLayout(l)
    .filter((s) => s.role === 'weight' || s.role === 'bias' || s.role === 'slope' || s.role === 'scale' || s.role === 'data')
    .reduce((a, s) => a + s.count, 0);
}

/**
 * Floating-point operations (a multiply-add counts 2) of one layer from its output shape;
 * element-wise layers count one op per output element.
 */
export function layerFlops(l: NcnnLayer, out: BlobShape | undefined): number {
  switch (l.type) {
    case 'Convolution':
    case 'ConvolutionDepthWise':
    case 'Deconvolution':
    case 'DeconvolutionDepthWise': {
      const numOutput = paramNumber(l, 0, 0);
      const weights = paramNumber(l, 6, 0);
      const spatial = prod(out) / Math.max(1, numOutput);
      return 2 * weights * spatial;
    }
    case 'InnerProduct':
      return 2 * paramNumber(l, 2, 0);
    case 'Input':
    case 'Split':
    case 'MemoryData':
    case 'Reshape':
    case 'Flatten':
      return 0;
    default:
      return prod(out);
  }
}
