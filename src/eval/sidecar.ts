/**
 * Preprocessing for ncnn models, which carry no metadata: a JSON sidecar beside the
 * .param, `<stem>.preprocess.json`, e.g. {"color":"RGB","mean":[127.5,127.5,127.5],
 * "std":[127.5,127.5,127.5],"inputSize":[112,112]}. The converter may write it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { parseColor, parseSize, type Preprocess, type Triple } from '../image/preprocess.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export function sidecarPath(paramPath: string): string {
  return paramPath.replace(/\.param$/, '') + '.preprocess.json';
}

export function readPreprocessSidecar(paramPath: string): Partial<Preprocess> | undefined {
  const file = sidecarPath(paramPath);
  if (!existsSync(file)) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new EdgefaceError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const out: Partial<Preprocess> = {};
  const triple = (key: string): Triple | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new EdgefaceError(`${file}: '${key}' must be an array of 3 numbers`);
    }
    return v as Triple;
  };
  if (raw.color !== undefined) out.color = parseColor(String(raw.color), `${file} color`);
  out.mean = triple('mean');
  out.std = triple('std');
  if (raw.inputSize !== undefined) {
    out.inputSize = parseSize(Array.isArray(raw.inputSize) ? raw.inputSize.join(',') : String(raw.inputSize), `${file} inputSize`);
  }
  return out;
}

export async function writePreprocessSidecar(paramPath: string, p: Preprocess): Promise<string> {
  const file = sidecarPath(paramPath);
  await writeFileAtomic(file, JSON.stringify({ color: p.color, mean: p.mean, std: p.std, inputSize: p.inputSize }, null, 2) + '\n');
  return file;
}
