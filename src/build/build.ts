/** `edgeface build` over a manifest: each selected model in turn (see build-model.ts). */
import type { Manifest } from '../manifest/manifest.js';
import { selectModels } from '../manifest/manifest.js';
import { buildModel, type BuildOutcome } from './build-model.js';

export async function buildManifest(m: Manifest, outDir: string, opts: { model?: string; log?: (line: string) => void } = {}): Promise<BuildOutcome[]> {
  const out: BuildOutcome[] = [];
  for (const model of selectModels(m, opts.model)) out.push(await buildModel(model, { outDir, baseDir: m.dir, log: opts.log }));
  return out;
}
