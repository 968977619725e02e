/** Decodes every image of a verification set exactly once, in parallel, at one crop size. */
import { EdgefaceError } from '../errors.js';
import { decodeRgb } from '../image/decode.js';
import type { VerificationSet } from './datasets/verification-set.js';

export interface DecodedSet {
  width: number;
  height: number;
  /** RGB HWC bytes per image, in VerificationSet.images order. */
  pixels: Uint8Array[];
  /** How many images were not already width x height and got resized. */
  resized: number;
  seconds: number;
}

export async function decodeSet(set: VerificationSet, width: number, height: number, concurrency = 16): Promise<DecodedSet> {
  const t0 = performance.now();
  const pixels = new Array<Uint8Array>(set.images.length);
  let resized = 0;
  let next = 0;
  const worker = async () => {
    while (next < set.images.length) {
      const i = next++;
      const img = set.images[i]!;
      const label = typeof img.source === 'string' ? img.source : img.label;
      let d;
      try {
        d = await decodeRgb(img.source, width, height, label);
      } catch (e) {
        // Name the pairs line too: that is where the user finds the image in the protocol.
        const user = set.pairs.find((p) => p.a === i || p.b === i);
        if (e instanceof EdgefaceError && user) throw new EdgefaceError(`${user.where}: ${e.message}`);
        throw e;
      }
      if (d.resized) resized++;
      pixels[i] = d.data;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, set.images.length) }, worker));
  return { width, height, pixels, resized, seconds: (performance.now() - t0) / 1000 };
}
