/**
 * How a face crop becomes a model input: channel order, per-channel mean and std over
 * 0..255 pixel values (input = (pixel - mean) / std), and the crop size. This is the one
 * preprocessing type of edgeface; where a model's values come from is decided in one place,
 * resolvePreprocess below (flags over the .param.json sidecar over ONNX metadata over the
 * default, the size checked against the model's own input shape).
 */
import { EdgefaceError } from '../errors.js';

export type ColorOrder = 'RGB' | 'BGR';
export type Triple = [number, number, number];

export interface Preprocess {
  color: ColorOrder;
  /** Per channel, in the model's channel order, over 0..255 pixels. */
  mean: Triple;
  std: Triple;
  /** Crop size in pixels. */
  width: number;
  height: number;
}

/** A crop size; named fields, so that width and height cannot be swapped by position. */
export interface InputSize {
  width: number;
  height: number;
}

export const PRESETS = {
  /** insightface ArcFace: RGB, (x - 127.5) / 127.5. */
  arcface: { color: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], width: 112, height: 112 },
  /** torchvision ImageNet normalisation: (x/255 - m) / s. */
  imagenet: {
    color: 'RGB',
    mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
    std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
    width: 112,
    height: 112,
  },
  /** Raw 0..255 pixels (models that normalise inside the graph). */
  raw: { color: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], width: 112, height: 112 },
} as const satisfies Record<string, Preprocess>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

type PreprocessLike = Readonly<{ color: ColorOrder; mean: readonly number[]; std: readonly number[]; width: number; height: number }>;

export function clonePreprocess(p: PreprocessLike): Preprocess {
  return { color: p.color, mean: [...p.mean] as Triple, std: [...p.std] as Triple, width: p.width, height: p.height };
}

/** The bottom layer of every resolution: arcface normalisation, 112x112. */
export const DEFAULT_PREPROCESS: Readonly<Preprocess> = Object.freeze(clonePreprocess(PRESETS.arcface));

export function presetByName(name: string): Preprocess {
  const p = (PRESETS as Record<string, PreprocessLike>)[name];
  if (!p) throw new EdgefaceError(`unknown preprocessing preset '${name}' (known: ${PRESET_NAMES.join(', ')})`);
  return clonePreprocess(p);
}

/** 'a,b,c' (or one value 'a' meaning a,a,a). */
export function parseTriple(text: string, what: string, where: string): Triple {
  let values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 1) values = [values[0]!, values[0]!, values[0]!];
  if (values.length !== 3 || values.some((v) => !Number.isFinite(v))) {
    throw new EdgefaceError(`${where}: ${what} must be 3 comma-separated numbers, got '${text}'`);
  }
  return values as Triple;
}

export function parseColor(text: string, where: string): ColorOrder {
  const c = text.trim().toUpperCase();
  if (c !== 'RGB' && c !== 'BGR') throw new EdgefaceError(`${where}: color must be RGB or BGR, got '${text}'`);
  return c;
}

const positive = (n: number) => Number.isInteger(n) && n > 0;

/** The command-line form, width first: 'WxH' (e.g. 96x112), or one number for a square. */
export function parseInputSizeFlag(text: string, where: string): InputSize {
  const parts = text.trim().split('x');
  const v = (parts.length === 1 ? [parts[0], parts[0]] : parts).map(Number);
  if (v.length !== 2 || !v.every(positive)) throw new EdgefaceError(`${where}: input size must be WxH in pixels (e.g. 96x112), got '${text}'`);
  return { width: v[0]!, height: v[1]! };
}

/** The metadata form, height first as tools/trainer/export_onnx.py writes it: 'H,W'. */
export function parseInputSizeMetadata(text: string, where: string): InputSize {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 2 || !v.every(positive)) throw new EdgefaceError(`${where}: input size must be 'height,width' in pixels, got '${text}'`);
  return { height: v[0]!, width: v[1]! };
}

export const formatSize = (s: InputSize): string => `${s.width}x${s.height}`;

/** Metadata keys tools/trainer/export_onnx.py writes into ONNX metadata_props. */
export const METADATA_KEYS = {
  color: 'edgeface.color',
  mean: 'edgeface.mean',
  std: 'edgeface.std',
  inputSize: 'edgeface.input_size',
} as const;

/** The one parser of edgeface.* preprocessing metadata; absent keys stay undefined. */
export function preprocessFromMetadata(props: Record<string, string> | Map<string, string>, where: string): Partial<Preprocess> {
  const get = (k: string) => (props instanceof Map ? props.get(k) : props[k]);
  const out: Partial<Preprocess> = {};
  const c = get(METADATA_KEYS.color);
  if (c !== undefined) out.color = parseColor(c, `${where} ${METADATA_KEYS.color}`);
  const m = get(METADATA_KEYS.mean);
  if (m !== undefined) out.mean = parseTriple(m, 'mean', `${where} ${METADATA_KEYS.mean}`);
  const s = get(METADATA_KEYS.std);
  if (s !== undefined) out.std = parseTriple(s, 'std', `${where} ${METADATA_KEYS.std}`);
  const z = get(METADATA_KEYS.inputSize);
  if (z !== undefined) Object.assign(out, parseInputSizeMetadata(z, `${where} ${METADATA_KEYS.inputSize}`));
  return out;
}

/** One source of preprocessing settings, named for messages ('flags', 'x.param.json', ...). */
export interface PreprocessLayer {
  from: string;
  values: Partial<Preprocess>;
}

export interface ResolvedPreprocess {
  preprocess: Preprocess;
  /** The layers that set something, lowest first, joined by ' + ' (or 'default (arcface)'). */
  from: string;
}

/**
 * The one place a model's preprocessing is decided. `layers` go lowest first (ONNX
 * metadata, then the sidecar, then flags); each wins over the ones before it, key by key,
 * and all of them over the default. `modelSize` is the model's own static input size:
 * when known it is the crop size, and a layer that names another size is an error (a
 * transposed size would otherwise fail silently, or inside the runtime).
 */
export function resolvePreprocess(layers: readonly (PreprocessLayer | undefined)[], modelSize?: InputSize, model = 'model'): ResolvedPreprocess {
  const out = clonePreprocess(DEFAULT_PREPROCESS);
  const from: string[] = [];
  for (const l of layers) {
    if (!l || !Object.values(l.values).some((v) => v !== undefined)) continue;
    const v = l.values;
    if (v.color) out.color = v.color;
    if (v.mean) out.mean = [...v.mean] as Triple;
    if (v.std) out.std = [...v.std] as Triple;
    if ((v.width === undefined) !== (v.height === undefined)) throw new Error(`preprocessing layer '${l.from}' sets only one of width and height`);
    if (v.width !== undefined && v.height !== undefined) {
      if (modelSize && (v.width !== modelSize.width || v.height !== modelSize.height)) {
        throw new EdgefaceError(
          `${model}: input size ${formatSize({ width: v.width, height: v.height })} (WxH) from ${l.from} disagrees with the model's input, ${formatSize(modelSize)}`,
        );
      }
      out.width = v.width;
      out.height = v.height;
    }
    from.push(l.from);
  }
  if (modelSize) {
    out.width = modelSize.width;
    out.height = modelSize.height;
  }
  if (out.std.some((v) => v === 0)) throw new EdgefaceError(`${model}: preprocessing std must not be 0`);
  return { preprocess: out, from: from.length ? from.join(' + ') : 'default (arcface)' };
}

/**
 * The image input's static size from an NCHW shape ([N, C, H, W]; undefined when the shape
 * is not 4-D or H/W are not fixed positive numbers).
 */
export function sizeFromNchw(shape: readonly (number | string | undefined)[] | undefined): InputSize | undefined {
  if (!shape || shape.length !== 4) return undefined;
  const [h, w] = [shape[2], shape[3]];
  return typeof h === 'number' && typeof w === 'number' && positive(h) && positive(w) ? { width: w, height: h } : undefined;
}

export function describePreprocess(p: Preprocess): string {
  const f = (t: Triple) => (t[0] === t[1] && t[1] === t[2] ? `${+t[0].toFixed(4)}` : t.map((v) => +v.toFixed(4)).join(','));
  return `${p.color} (x-${f(p.mean)})/${f(p.std)} ${formatSize(p)}`;
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

/** Preprocessing flags, as commander hands them over (declared once: src/commands/options.ts). */
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
  const p: Partial<Preprocess> = {};
  if (f.preset) {
    const { color, mean, std } = presetByName(f.preset);
    Object.assign(p, { color, mean, std });
  }
  if (f.color) p.color = parseColor(f.color, '--color');
  if (f.mean) p.mean = parseTriple(f.mean, 'mean', '--mean');
  if (f.std) p.std = parseTriple(f.std, 'std', '--std');
  if (f.inputSize) Object.assign(p, parseInputSizeFlag(f.inputSize, '--input-size'));
  return Object.keys(p).length ? p : undefined;
}
