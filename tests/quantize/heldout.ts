/**
 * Held-out LFW faces for INT8 accuracy checks: the first image of 200 people who DO appear
 * in pairs.txt (so never in calibration/, which only has people in no pair), ordered by the
 * SHA-1 of their name. Shared by the tests and bench/quantize-bench.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LFW, SHARED_MODELS } from '../shared-data.js';

export function peopleInPairs(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(path.join(LFW, 'pairs.txt'), 'utf8').split('\n').slice(1)) {
    const p = line.trim().split('\t');
    if (p.length === 3) names.add(p[0]!);
    else if (p.length === 4) names.add(p[0]!).add(p[2]!);
  }
  return names;
}

export function heldOutImages(count = 200): string[] {
  const sha = (s: string) => createHash('sha1').update(s).digest('hex');
  const people = [...peopleInPairs()].sort((a, b) => (sha(a) < sha(b) ? -1 : 1)).slice(0, count);
  return people.map((p) => {
    const dir = path.join(LFW, 'aligned112', p);
    return path.join(dir, readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort()[0]!);
  });
}

export const haveSharedData = (): boolean => existsSync(path.join(LFW, 'pairs.txt')) && existsSync(SHARED_MODELS);
