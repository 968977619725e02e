/**
 * How a face crop becomes a model input: channel order, per-channel mean and std over
 * 0..255 pixel values (input = (pixel - mean) / std), and the crop size.
 */
import { EdgefaceError } from '../errors.js';

export type ColorOrder = 'RGB' | 'BGR';
export type Triple = [number, number, number];

export interface Preprocess {
  color: ColorOrder;
  /** Per channel, in the model's channel order, over 0..255 pixels. */
  mean: Triple;
  std: Triple;
  /** Crop size as [width, height]. */
  inputSize: [number, number];
}

export const PRESETS = {
  /** insightface ArcFace: RGB, (x - 127.5) / 127.5. */
  arcface: { color: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], inputSize: [112, 112] },
  /** torchvision ImageNet normalisation: (x/255 - m) / s. */
  imagenet: {
    color: 'RGB',
    mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
    std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
    inputSize: [112, 112],
  },
  /** Raw 0..255 pixels (models that normalise inside the graph). */
  raw: { color: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], inputSize: [112, 112] },
} as const satisfies Record<string, Preprocess>;

export type PresetName = keyof typeof PRESETS;

export const DEFAULT_PREPROCESS: Preprocess = clonePreprocess(PRESETS.arcface);

export function clonePreprocess(p: Readonly<{ color: ColorOrder; mean: readonly number[]; std: readonly number[]; inputSize: readonly number[] }>): Preprocess {
  return { color: p.color, mean: [...p.mean] as Triple, std: [...p.std] as Triple, inputSize: [...p.inputSize] as [number, number] };
}

export function presetByName(name: string): Preprocess {
  const p = (PRESETS as Record<string, Preprocess>)[name];
  if (!p) throw new EdgefaceError(`unknown preprocessing preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`);
  return clonePreprocess(p);
}

/** 'a,b,c' (or one value 'a' meaning a,a,a when count is 3). */
function parseNumbers(text: string, count: number, what: string, where: string): number[] {
  let values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 1 && count === 3) values = [values[0]!, values[0]!, values[0]!];
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) {
    throw new EdgefaceError(`${where}: ${what} must be ${count} comma-separated numbers, got '${text}'`);
  }
  return values;
}

export function parseColor(text: string, where: string): ColorOrder {
  const c = text.trim().toUpperCase();
  if (c !== 'RGB' && c !== 'BGR') throw new EdgefaceError(`${where}: color must be RGB or BGR, got '${text}'`);
  return c;
}

export function parseTriple(text: string, what: string, where: string): Triple {
  return parseNumbers(text, 3, what, where) as Triple;
}

export function parseSize(text: string, where: string): [number, number] {
  const parts = text.split(/[,x]/).map((s) => s.trim());
  const v = (parts.length === 1 ? [parts[0], parts[0]] : parts).map(Number);
  if (v.length !== 2 || v.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new EdgefaceError(`${where}: input size must be 'W,H' in pixels, got '${text}'`);
  }
  return v as [number, number];
}

/** Metadata keys the converter writes into ONNX metadata_props (and the sidecar JSON). */
export const METADATA_KEYS = {
  color: 'edgeface.color',
  mean: 'edgeface.mean',
  std: 'edgeface.std',
  inputSize: 'edgeface.input_size',
} as const;

/** Reads the edgeface.* keys present in `props`; absent keys stay undefined. */
export function preprocessFromMetadata(props: Record<string, string>, where: string): Partial<Preprocess> {
  const out: Partial<Preprocess> = {};
  const c = props[METADATA_KEYS.color];
  if (c !== undefined) out.color = parseColor(c, `${where} ${METADATA_KEYS.color}`);
  const m = props[METADATA_KEYS.mean];
  if (m !== undefined) out.mean = parseTriple(m, 'mean', `${where} ${METADATA_KEYS.mean}`);
  const s = props[METADATA_KEYS.std];
  if (s !== undefined) out.std = parseTriple(s, 'std', `${where} ${METADATA_KEYS.std}`);
  const z = props[METADATA_KEYS.inputSize];
  if (z !== undefined) out.inputSize = parseSize(z, `${where} ${METADATA_KEYS.inputSize}`);
  return out;
}

export function preprocessToMetadata(p: Preprocess): Record<string, string> {
  return {
    [METADATA_KEYS.color]: p.color,
    [METADATA_KEYS.mean]: p.mean.join(','),
    [METADATA_KEYS.std]: p.std.join(','),
    [METADATA_KEYS.inputSize]: p.inputSize.join(','),
  };
}

/** Layers partial settings over a base: later layers win, key by key. */
export function resolvePreprocess(base: Preprocess, ...layers: (Partial<Preprocess> | undefined)[]): Preprocess {
  const out = clonePreprocess(base);
  for (const l of layers) {
    if (!l) continue;
    if (l.color) out.color = l.color;
    if (l.mean) out.mean = [...l.mean] as Triple;
    if (l.std) out.std = [...l.std] as Triple;
    if (l.inputSize) out.inputSize = [...l.inputSize] as [number, number];
  }
  if (out.std.some((v) => v === 0)) throw new EdgefaceError('preprocessing std must not be 0');
  return out;
}

export function describePreprocess(p: Preprocess): string {
  const f = (t: Triple) => (t[0] === t[1] && t[1] === t[2] ? `${+t[0].toFixed(4)}` : t.map((v) => +v.toFixed(4)).join(','));
  return `${p.color} (x-${f(p.mean)})/${f(p.std)} ${p.inputSize[0]}x${p.inputSize[1]}`;
}

/**
 * Writes one HWC RGB uint8 crop into `out` at `offset` as CHW float32 in the model's
 * channel order, optionally mirrored left-right (flip test).
 */
export function toModelInput(
  rgb: Uint8Array,
  width: number,
  height: number,
  p: Preprocess,
  out: Float32Array,
  offset: number,
  flip = false,
): void {
  const plane = width * height;
  for (let c = 0; c < 3; c++) {
    const src = p.color === 'RGB' ? c : 2 - c;
    const mean = p.mean[c]!;
    const std = p.std[c]!;
    const base = offset + c * plane;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const sx = flip ? width - 1 - x : x;
        out[base + row + x] = (rgb[(row + sx) * 3 + src]! - mean) / std;
      }
    }
  }
}

/** Preprocessing flags shared by the quantize and eval commands. */
export interface PreprocessFlags {
  preset?: string;
  color?: string;
  mean?: string;
  std?: string;
  inputSize?: string;
}

/**
 * Flags -> the preprocessing fields they set (undefined when none is given). A preset names
 * the normalisation only; the crop size comes from the model unless --input-size says.
 */
export function preprocessFromFlags(f: PreprocessFlags): Partial<Preprocess> | undefined {
  const p: Partial<Preprocess> = f.preset ? presetByName(f.preset) : {};
  if (f.preset) delete p.inputSize;
  if (f.color) p.color = parseColor(f.color, '--color');
  if (f.mean) p.mean = parseTriple(f.mean, 'mean', '--mean');
  if (f.std) p.std = parseTriple(f.std, 'std', '--std');
  if (f.inputSize) p.inputSize = parseSize(f.inputSize, '--input-size');
  return Object.keys(p).length ? p : undefined;
}
