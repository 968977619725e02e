/**
 * The face-verification benchmarks eval can score, one loader each. A new benchmark set is
 * one loader file (returning a VerificationSet) plus one entry in LOADERS; its spec joins
 * DatasetSpec by itself.
 */
import { loadBinSet } from './bin-set.js';
import { loadLfwPairs } from './lfw-pairs.js';
import type { VerificationSet } from './verification-set.js';

const LOADERS = {
  /** An LFW-layout folder and its pairs.txt (View 2 format). */
  lfw: (s: { lfw: string; pairs?: string }) => loadLfwPairs({ dir: s.lfw, pairs: s.pairs }),
  /** An insightface verification .bin (lfw.bin, cfp_fp.bin, agedb_30.bin, ...). */
  bin: (s: { bin: string }) => loadBinSet(s.bin),
} satisfies Record<string, (spec: never) => VerificationSet>;

type Loaders = typeof LOADERS;

/** Which set to score, named by its loader's key: `{ lfw: dir, pairs? }` or `{ bin: file }`. */
export type DatasetSpec = { [K in keyof Loaders]: Parameters<Loaders[K]>[0] }[keyof Loaders];

export function loadDataset(spec: DatasetSpec): VerificationSet {
  const kind = (Object.keys(LOADERS) as (keyof Loaders)[]).find((k) => k in spec)!;
  return (LOADERS[kind] as (s: DatasetSpec) => VerificationSet)(spec);
}
