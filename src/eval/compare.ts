/** FP32-vs-candidate comparisons on the same images: accuracy drop, embedding cosine, flipped decisions. */
import type { VerificationSet } from './datasets/verification-set.js';

export interface ComparedModel {
  /** Index in the report's model list. */
  index: number;
  embeddings: Float32Array;
  dim: number;
  accuracyMean: number;
  /** Squared-distance threshold the model decides with (its best all-pairs threshold). */
  bestThreshold: number;
  distances: Float64Array;
}

export interface Disagreement {
  where: string;
  imageA: string;
  imageB: string;
  same: boolean;
  referenceCosine: number;
  candidateCosine: number;
  /** What the reference decided (true = same person); the candidate decided the opposite. */
  referenceSaysSame: boolean;
}

export interface Comparison {
  /** 'quantized': a reduced-precision model against its FP32 source (gated);
   *  'agreement': two full-precision runs of one model (e.g. ONNX vs ncnn FP32). */
  kind: 'quantized' | 'agreement';
  reference: number;
  candidate: number;
  /** reference minus candidate mean 10-fold accuracy, in percentage points. */
  accuracyDropPp: number;
  /** Cosine between the two models' embeddings of each image; null when sizes differ. */
  cosineMean: number | null;
  cosineMin: number | null;
  disagreements: Disagreement[];
}

export function compareModels(
  kind: Comparison['kind'],
  ref: ComparedModel,
  cand: ComparedModel,
  set: VerificationSet,
): Comparison {
  let cosineMean: number | null = null;
  let cosineMin: number | null = null;
  if (ref.dim === cand.dim && ref.embeddings.length === cand.embeddings.length) {
    const n = ref.embeddings.length / ref.dim;
    let sum = 0;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < ref.dim; k++) dot += ref.embeddings[i * ref.dim + k]! * cand.embeddings[i * ref.dim + k]!;
      sum += dot;
      if (dot < min) min = dot;
    }
    cosineMean = sum / n;
    cosineMin = min;
  }
  const disagreements: Disagreement[] = [];
  set.pairs.forEach((p, i) => {
    const r = ref.distances[i]! < ref.bestThreshold;
    const c = cand.distances[i]! < cand.bestThreshold;
    if (r !== c) {
      disagreements.push({
        where: p.where,
        imageA: set.images[p.a]!.label,
        imageB: set.images[p.b]!.label,
        same: p.same,
        referenceCosine: 1 - ref.distances[i]! / 2,
        candidateCosine: 1 - cand.distances[i]! / 2,
        referenceSaysSame: r,
      });
    }
  });
  return {
    kind,
    reference: ref.index,
    candidate: cand.index,
    accuracyDropPp: (ref.accuracyMean - cand.accuracyMean) * 100,
    cosineMean,
    cosineMin,
    disagreements,
  };
}
