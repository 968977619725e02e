/**
 * `edgeface.json`: the models an app build needs, read by `edgeface build` (and through it
 * the CMake, Gradle and Xcode hooks) and by `edgeface quantize` run without a model.
 * Every field is documented in targets/README.md ("Manifest"). Relative paths are relative
 * to the manifest's folder; they come back resolved.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import { EMIT_OUTPUTS, checkModelName, type EmitOutput } from '../emit/emit.js';
import { quantizeFlagValues, type QuantizeFlagValues } from './quantize-fields.js';

export const MANIFEST_FILE = 'edgeface.json';

export interface GateSpec {
  /** LFW-style folder (pairs.txt + images), as `edgeface eval --lfw`. */
  lfw: string;
  /** Largest LFW accuracy drop INT8 vs FP32, percentage points. */
  maxDrop?: number;
  minCosine?: number;
}

export interface ManifestModel {
  name: string;
  /** .onnx, or ncnn .param (with `bin`, default the same stem). */
  model: string;
  bin?: string;
  int8: boolean;
  calib?: string;
  quantize: QuantizeFlagValues;
  gate?: GateSpec;
  outputs: EmitOutput[];
}

export interface Manifest {
  file: string;
  dir: string;
  models: ManifestModel[];
}

const MODEL_KEYS = ['name', 'model', 'bin', 'int8', 'calib', 'quantize', 'gate', 'outputs'];

function str(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '') throw new EdgefaceError(`${at} must be a non-empty string`);
  return v;
}

function gateSpec(v: unknown, at: string, dir: string): GateSpec | undefined {
  if (v === undefined) return undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new EdgefaceError(`${at} must be an object`);
  const g = v as Record<string, unknown>;
  for (const k of Object.keys(g)) if (!['lfw', 'maxDrop', 'minCosine'].includes(k)) throw new EdgefaceError(`${at}: unknown field "${k}" (known: lfw, maxDrop, minCosine)`);
  const num = (k: string, lo: number, hi: number) => {
    const x = g[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < lo || x > hi) throw new EdgefaceError(`${at}.${k} must be a number in [${lo}, ${hi}]`);
    return x;
  };
  const out: GateSpec = { lfw: path.resolve(dir, str(g.lfw, `${at}.lfw`)), maxDrop: num('maxDrop', 0, 100), minCosine: num('minCosine', 0, 1) };
  if (out.maxDrop === undefined && out.minCosine === undefined) throw new EdgefaceError(`${at} needs maxDrop and/or minCosine`);
  return out;
}

function manifestModel(v: unknown, i: number, file: string, dir: string): ManifestModel {
  const at = `${file}: models[${i}]`;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new EdgefaceError(`${at} must be an object`);
  const m = v as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!MODEL_KEYS.includes(k)) throw new EdgefaceError(`${at}: unknown field "${k}" (known: ${MODEL_KEYS.join(', ')})`);
  const name = str(m.name, `${at}.name`);
  try {
    checkModelName(name);
  } catch (e) {
    throw new EdgefaceError(`${at}.name: ${(e as Error).message}`);
  }
  const where = `${file}: model "${name}"`;
  if (m.int8 !== undefined && typeof m.int8 !== 'boolean') throw new EdgefaceError(`${where}: "int8" must be true or false`);
  const int8 = m.int8 === true;
  const calib = m.calib === undefined ? undefined : path.resolve(dir, str(m.calib, `${where}: "calib"`));
  if (int8 && !calib) throw new EdgefaceError(`${where}: "int8": true needs "calib" (a folder of face images)`);
  let outputs: EmitOutput[] = [...EMIT_OUTPUTS];
  if (m.outputs !== undefined) {
    if (!Array.isArray(m.outputs) || m.outputs.length === 0 || !m.outputs.every((o) => (EMIT_OUTPUTS as readonly unknown[]).includes(o))) {
      throw new EdgefaceError(`${where}: "outputs" must be a non-empty array of ${EMIT_OUTPUTS.map((o) => `"${o}"`).join(', ')}`);
    }
    outputs = m.outputs as EmitOutput[];
  }
  const gate = gateSpec(m.gate, `${where}: "gate"`, dir);
  if (gate && !int8) throw new EdgefaceError(`${where}: a "gate" compares INT8 with FP32 and needs "int8": true`);
  return {
    name,
    model: path.resolve(dir, str(m.model, `${where}: "model"`)),
    bin: m.bin === undefined ? undefined : path.resolve(dir, str(m.bin, `${where}: "bin"`)),
    int8,
    calib,
    quantize: quantizeFlagValues(m.quantize, where),
    gate,
    outputs,
  };
}

export function readManifest(file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EdgefaceError(code ? `${file}: cannot read (${code})` : `${file}: not valid JSON (${(e as Error).message})`);
  }
  const dir = path.dirname(path.resolve(file));
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models) || models.length === 0) throw new EdgefaceError(`${file}: expected { "models": [ ... ] } with at least one model`);
  const out = models.map((m, i) => manifestModel(m, i, file, dir));
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.name)) throw new EdgefaceError(`${file}: two models are named "${m.name}"`);
    seen.add(m.name);
  }
  return { file, dir, models: out };
}

/** The manifest in `dir` (default the current folder), or undefined when there is none. */
export function findManifest(dir = process.cwd()): string | undefined {
  const f = path.join(dir, MANIFEST_FILE);
  return existsSync(f) && statSync(f).isFile() ? f : undefined;
}

export function selectModels(m: Manifest, name?: string): ManifestModel[] {
  if (name === undefined) return m.models;
  const hit = m.models.filter((x) => x.name === name);
  if (!hit.length) throw new EdgefaceError(`${m.file}: no model named "${name}" (models: ${m.models.map((x) => x.name).join(', ')})`);
  return hit;
}
