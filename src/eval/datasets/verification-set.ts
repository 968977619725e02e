/** A face-verification benchmark: unique images and the pairs that reference them. */
export interface SetImage {
  /** A file path, or encoded image bytes (insightface .bin sets). */
  source: string | Uint8Array;
  /** Names the image in messages and reports (relative path, or `lfw.bin image 17`). */
  label: string;
}

export interface VerificationPair {
  /** Indices into VerificationSet.images. */
  a: number;
  b: number;
  same: boolean;
  /** Where the pair is defined, e.g. `pairs.txt:602`. */
  where: string;
}

export interface VerificationSet {
  /** e.g. `LFW (pairs.txt, 10 folds)`. */
  name: string;
  /** The file(s) it came from. */
  origin: string;
  images: SetImage[];
  pairs: VerificationPair[];
}
