import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The edgeface package root (the folder holding its package.json), found by walking up
 * from this module so it works from src/ (ts-node style) and from dist/src/ alike.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'edgeface') return (cached = dir);
      } catch { /* unreadable package.json: keep walking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('edgeface package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
