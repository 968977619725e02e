/** Runs a model over a decoded set: preprocess, batch, optional flip test, L2-normalise. */
import { EdgefaceError } from '../errors.js';
import { toModelInput, type Preprocess } from '../image/preprocess.js';
import type { EmbeddingModel } from '../runtime/embedding-model.js';
import type { DecodedSet } from './decode-set.js';

export interface EmbeddedSet {
  /** n x dim, each row L2-normalised (after summing with the mirror when flip is on). */
  embeddings: Float32Array;
  dim: number;
  seconds: number;
}

export interface EmbedOptions {
  /** insightface's flip test: embedding(image) + embedding(mirrored image). */
  flip?: boolean;
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function embedSet(model: EmbeddingModel, set: DecodedSet, pre: Preprocess, opts: EmbedOptions = {}): Promise<EmbeddedSet> {
  const [c, h, w] = model.inputShape;
  if (c !== 3 || h !== set.height || w !== set.width) {
    throw new EdgefaceError(`${model.label}: input is ${c}x${h}x${w} but images were decoded at 3x${set.height}x${set.width}`);
  }
  const t0 = performance.now();
  const n = set.pixels.length;
  const per = c * h * w;
  const views = opts.flip ? [false, true] : [false];
  const batch = Math.max(1, opts.batch ?? model.preferredBatch);
  const step = Math.max(1, Math.floor(batch / views.length));
  const input = new Float32Array(step * views.length * per);
  let sums: Float64Array | undefined;
  let dim = 0;
  for (let start = 0; start < n; start += step) {
    const m = Math.min(step, n - start);
    // Layout: the m originals, then (flip on) the m mirrors, in one runner call.
    views.forEach((flip, v) => {
      for (let j = 0; j < m; j++) toModelInput(set.pixels[start + j]!, w, h, pre, input, (v * m + j) * per, flip);
    });
    const out = await model.embed(input.subarray(0, views.length * m * per), views.length * m);
    if (!sums) {
      dim = out.length / (views.length * m);
      if (!Number.isInteger(dim) || dim < 1) throw new EdgefaceError(`${model.label}: output size ${out.length} is not a multiple of the batch`);
      sums = new Float64Array(n * dim);
    }
    if (out.length !== views.length * m * dim) {
      throw new EdgefaceError(`${model.label}: embedding size changed inside the run (${out.length / (views.length * m)} vs ${dim})`);
    }
    for (let v = 0; v < views.length; v++) {
      for (let j = 0; j < m; j++) {
        const src = (v * m + j) * dim;
        const dst = (start + j) * dim;
        for (let k = 0; k < dim; k++) sums[dst + k]! += out[src + k]!;
      }
    }
    opts.onProgress?.(start + m, n);
  }
  const embeddings = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < dim; k++) norm += sums![i * dim + k]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < dim; k++) embeddings[i * dim + k] = sums![i * dim + k]! / norm;
  }
  return { embeddings, dim, seconds: (performance.now() - t0) / 1000 };
}
