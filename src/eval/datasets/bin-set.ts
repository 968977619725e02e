/**
 * insightface verification sets (lfw.bin, cfp_fp.bin, agedb_30.bin): a pickle of
 * (bins, issame_list) where bins holds 2 x N encoded images and pair i is images
 * 2i and 2i+1. Images repeated across pairs are stored (and decoded) per occurrence,
 * as insightface does.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../../errors.js';
import { PickleTuple, readPickle, type PickleValue } from './pickle.js';
import type { VerificationSet } from './verification-set.js';

const asList = (v: PickleValue): PickleValue[] | undefined => (Array.isArray(v) ? v : v instanceof PickleTuple ? v.items : undefined);

export function loadBinSet(file: string): VerificationSet {
  if (!existsSync(file)) throw new EdgefaceError(`${file}: no such file`);
  const name = path.basename(file);
  let root: PickleValue;
  try {
    root = readPickle(readFileSync(file));
  } catch (e) {
    throw new EdgefaceError(`${file}: not a readable insightface verification .bin (${(e as Error).message})`);
  }
  const top = asList(root);
  const bins = top && top.length >= 2 ? asList(top[0]!) : undefined;
  const issame = top && top.length >= 2 ? asList(top[1]!) : undefined;
  if (!bins || !issame) throw new EdgefaceError(`${file}: expected a pickled (bins, issame_list) pair`);
  if (bins.length !== 2 * issame.length) {
    throw new EdgefaceError(`${file}: ${bins.length} images for ${issame.length} pairs; expected exactly two images per pair`);
  }
  const images = bins.map((b, i) => {
    if (!(b instanceof Uint8Array)) throw new EdgefaceError(`${file}: image ${i} is not encoded image bytes`);
    return { source: b, label: `${name} image ${i}` };
  });
  const pairs = issame.map((s, i) => {
    if (typeof s !== 'boolean' && s !== 0 && s !== 1) throw new EdgefaceError(`${file}: issame_list[${i}] is not a boolean`);
    return { a: 2 * i, b: 2 * i + 1, same: s === true || s === 1, where: `${name} pair ${i}` };
  });
  return { name: `${name} (${pairs.length} pairs)`, origin: file, images, pairs };
}
