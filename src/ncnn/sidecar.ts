/**
 * `<model>.param.json`, written beside every .param edgeface makes: what ncnn's files cannot
 * carry (input/output blob names and the preprocessing), so that eval, quantize and apps
 * need no extra flags. The one reader and writer of that file.
 *
 * On disk the preprocessing size is `size: [height, width]` (the format since the first
 * release; apps read it); in memory it is the named `width`/`height` of Preprocess, and this
 * module is the only place that converts between the two.
 */
import { existsSync, readFileSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { parseColor, type Preprocess, type Triple } from '../image/preprocess.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export interface ModelSidecar {
  /** The ONNX file the model came from (base name). */
  source: string;
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: string[];
  preprocess?: Preprocess;
}

/** The JSON as stored. */
interface SidecarFile {
  source: string;
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: string[];
  preprocess?: { color: string; mean: number[]; std: number[]; size: [number, number] };
}

export const sidecarPath = (paramFile: string): string => `${paramFile}.json`;

export async function writeSidecar(paramFile: string, s: ModelSidecar): Promise<void> {
  const file: SidecarFile = { source: s.source, inputs: s.inputs, outputs: s.outputs };
  if (s.preprocess) {
    const p = s.preprocess;
    file.preprocess = { color: p.color, mean: p.mean, std: p.std, size: [p.height, p.width] };
  }
  await writeFileAtomic(sidecarPath(paramFile), JSON.stringify(file, null, 2) + '\n');
}

/** The sidecar of `paramFile`; undefined when there is none, an error when it is unreadable. */
export function readSidecar(paramFile: string): ModelSidecar | undefined {
  const file = sidecarPath(paramFile);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new EdgefaceError(`${file}: not a readable sidecar (${(e as Error).message})`, { hint: 'delete it or convert the model again' });
  }
  return fromFile(raw, file);
}

/**
 * The sidecar that describes `paramPath`: its own, else (for `x-int8.param`, `x_int8.param`,
 * `x.int8.param`) the FP32 source's `x.param.json`, which quantized copies share.
 */
export function findSidecar(paramPath: string): { file: string; sidecar: ModelSidecar } | undefined {
  const candidates = [paramPath];
  const m = /^(.*?)[-_.]int8\.param$/i.exec(paramPath);
  if (m) candidates.push(`${m[1]}.param`);
  for (const p of candidates) {
    const sidecar = readSidecar(p);
    if (sidecar) return { file: sidecarPath(p), sidecar };
  }
  return undefined;
}

function fromFile(raw: unknown, file: string): ModelSidecar {
  const bad = (what: string): never => {
    throw new EdgefaceError(`${file}: ${what}`, { hint: 'delete it or convert the model again' });
  };
  if (!raw || typeof raw !== 'object') bad('not a JSON object');
  const r = raw as Partial<SidecarFile>;
  const names = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!Array.isArray(r.inputs) || !r.inputs.every((i) => i && typeof i.name === 'string' && Array.isArray(i.shape))) bad("'inputs' must be a list of {name, shape}");
  if (!names(r.outputs)) bad("'outputs' must be a list of blob names");
  const out: ModelSidecar = { source: typeof r.source === 'string' ? r.source : '', inputs: r.inputs!, outputs: r.outputs! };
  if (r.preprocess !== undefined) {
    const p = r.preprocess;
    const triple = (v: unknown, what: string): Triple =>
      Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (v as Triple) : bad(`preprocess.${what} must be 3 numbers`);
    const size = p.size;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((x) => Number.isInteger(x) && x > 0)) bad('preprocess.size must be [height, width] in pixels');
    out.preprocess = {
      color: parseColor(String(p.color), `${file} preprocess.color`),
      mean: triple(p.mean, 'mean'),
      std: triple(p.std, 'std'),
      height: size[0],
      width: size[1],
    };
  }
  return out;
}
