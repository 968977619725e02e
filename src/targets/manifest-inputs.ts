/**
 * What `edgeface build` reads for a manifest, as the app build hooks must declare it: Xcode's
 * sandboxed script phases may read only declared files, and Gradle tasks are up to date only
 * when every input is declared. The build's own input list (model, external data or .bin,
 * calibration images of INT8 models) plus the gate's LFW folder, which the build reads but
 * does not hash.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildInputFiles } from '../build/build-inputs.js';
import { EdgefaceError } from '../errors.js';
import { readManifest } from '../manifest/manifest.js';

export interface ManifestModelName {
  /** Model name <m> (a C identifier: it names every output file). */
  name: string;
  ident: string;
}

export function readManifestModels(manifestPath: string): ManifestModelName[] {
  return readManifest(manifestPath).models.map((m) => ({ name: m.name, ident: m.name }));
}

/** Every regular file under `dir`, sorted, dot-files skipped. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The manifest, then per model what edgeface build reads, in a stable order, each once. */
export function manifestInputFiles(manifestPath: string): string[] {
  const manifest = readManifest(manifestPath);
  const files = new Set<string>([path.resolve(manifestPath)]);
  for (const m of manifest.models) {
    let inputs: string[];
    try {
      inputs = buildInputFiles(m);
    } catch (e) {
      if (e instanceof EdgefaceError) throw e;
      throw new EdgefaceError(`${manifestPath}: model "${m.name}": ${m.model} is not a readable model (${(e as Error).message.split('\n')[0]})`);
    }
    for (const f of inputs) files.add(path.resolve(f));
    if (m.gate) {
      let isDir = false;
      try {
        isDir = statSync(m.gate.lfw).isDirectory();
      } catch {
        throw new EdgefaceError(`${manifestPath}: model "${m.name}": gate folder ${m.gate.lfw} does not exist`);
      }
      if (isDir) for (const f of filesUnder(m.gate.lfw)) files.add(f);
      else files.add(m.gate.lfw);
    }
  }
  return [...files];
}
