/**
 * What `edgeface build` reads and writes for a manifest, as the app build hooks need it:
 * Xcode's sandboxed script phases may touch only declared files, Gradle tasks are up to
 * date only when every input is declared. Reads the manifest fields of the agreed contract
 * (models[].name, model, calib, gate.lfw); relative paths are relative to the manifest.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import { externalDataFiles } from './onnx-external-files.js';

export interface ManifestModel {
  /** Model name <m> as the manifest gives it. */
  name: string;
  /** <m> with every character that is not a letter or digit mapped to `_` (file/C names). */
  ident: string;
  model: string;
  calib?: string;
  lfw?: string;
}

export function modelIdent(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

/** The models a manifest declares, with absolute paths. One-line errors name the manifest. */
export function readManifestModels(manifestPath: string): ManifestModel[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new EdgefaceError(`${manifestPath}: cannot read the manifest (${why})`);
  }
  const models = (doc as { models?: unknown }).models;
  if (!Array.isArray(models) || models.length === 0) throw new EdgefaceError(`${manifestPath}: no "models" array`);
  const dir = path.dirname(path.resolve(manifestPath));
  return models.map((m: Record<string, unknown>, i) => {
    const at = `${manifestPath}: models[${i}]`;
    if (typeof m?.model !== 'string') throw new EdgefaceError(`${at}: "model" must be a path`);
    const name = typeof m.name === 'string' ? m.name : path.basename(m.model).replace(/\.onnx$/i, '');
    const gate = m.gate as { lfw?: unknown } | undefined;
    return {
      name,
      ident: modelIdent(name),
      model: path.resolve(dir, m.model),
      calib: typeof m.calib === 'string' ? path.resolve(dir, m.calib) : undefined,
      lfw: typeof gate?.lfw === 'string' ? path.resolve(dir, gate.lfw) : undefined,
    };
  });
}

/** Every regular file under `dir`, sorted, dot-files skipped (as the calibration reader does). */
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

/** The files `edgeface build` reads for this manifest: the manifest, models, external data, calibration and gate sets. */
export function manifestInputFiles(manifestPath: string): string[] {
  const files = new Set<string>([path.resolve(manifestPath)]);
  for (const m of readManifestModels(manifestPath)) {
    files.add(m.model);
    try {
      statSync(m.model);
    } catch {
      throw new EdgefaceError(`${manifestPath}: model '${m.name}': ${m.model} does not exist`);
    }
    let external: string[];
    try {
      external = externalDataFiles(m.model);
    } catch (e) {
      if (e instanceof EdgefaceError) throw e;
      throw new EdgefaceError(`${manifestPath}: model '${m.name}': ${m.model} is not a readable ONNX model (${(e as Error).message.split('\n')[0]})`);
    }
    for (const f of external) files.add(f);
    for (const d of [m.calib, m.lfw]) {
      if (d === undefined) continue;
      let isDir = false;
      try {
        isDir = statSync(d).isDirectory();
      } catch {
        throw new EdgefaceError(`${manifestPath}: model '${m.name}': ${d} does not exist`);
      }
      if (isDir) for (const f of filesUnder(d)) files.add(f);
      else files.add(d);
    }
  }
  return [...files];
}
