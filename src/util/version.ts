import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../runtime/package-root.js';

let cached: string | undefined;

/** edgeface's version, from its package.json (recorded in stamps and generated headers). */
export function edgefaceVersion(): string {
  return (cached ??= (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}
