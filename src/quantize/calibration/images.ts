/**
 * The calibration set: every JPEG/PNG under a folder tree, in a stable order, decoded and
 * preprocessed into model inputs. Unreadable images are skipped and counted, never fatal.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../../errors.js';
import { decodeRgb } from '../../image/decode.js';
import { toModelInput, type Preprocess } from '../../image/preprocess.js';

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/** Image files under `dir`, recursively, sorted by path so runs are reproducible. */
export function listCalibrationImages(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new EdgefaceError(`calibration folder ${dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new EdgefaceError(`calibration folder ${dir}: not a folder`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && IMAGE_EXT.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  if (out.length === 0) {
    throw new EdgefaceError(`calibration folder ${dir}: no JPEG or PNG images found`, {
      hint: 'point --calib at a folder of face crops (e.g. the bundled calibration/ folder)',
    });
  }
  return out.sort();
}

export interface CalibrationBatch {
  /** n samples of [3, h, w] back to back. */
  data: Float32Array;
  n: number;
  /** Per-sample shape [3, h, w]. */
  shape: [number, number, number];
  files: string[];
}

export interface ImageStreamStats {
  used: number;
  skipped: Array<{ file: string; why: string }>;
}

/**
 * Decodes images `prefetch` at a time (sharp works off the main thread) and yields batches
 * of `batch` preprocessed inputs.
 */
export async function* streamCalibrationBatches(
  files: string[],
  pre: Preprocess,
  batch: number,
  stats: ImageStreamStats,
  prefetch = 8,
): AsyncGenerator<CalibrationBatch> {
  const { width: w, height: h } = pre;
  const per = 3 * w * h;
  const decode = (f: string) =>
    decodeRgb(f, w, h, f).then(
      (img) => ({ f, img }),
      (e: unknown) => ({ f, err: (e as Error).message }),
    );
  const pending: Array<ReturnType<typeof decode>> = [];
  let next = 0;
  const fill = () => {
    while (pending.length < prefetch && next < files.length) pending.push(decode(files[next++]!));
  };
  fill();
  const shape: [number, number, number] = [3, h, w];
  let cur: CalibrationBatch = { data: new Float32Array(per * batch), n: 0, shape, files: [] };
  while (pending.length > 0) {
    const r = await pending.shift()!;
    fill();
    if ('err' in r) {
      stats.skipped.push({ file: r.f, why: r.err });
      continue;
    }
    toModelInput(r.img.data, w, h, pre, cur.data, cur.n * per);
    cur.n++;
    cur.files.push(r.f);
    stats.used++;
    if (cur.n === batch) {
      yield cur;
      cur = { data: new Float32Array(per * batch), n: 0, shape, files: [] };
    }
  }
  if (cur.n > 0) yield { ...cur, data: cur.data.subarray(0, cur.n * per) };
}

/** The first n readable calibration images, preprocessed, as one batch. */
export async function firstImages(files: string[], pre: Preprocess, n: number): Promise<Omit<CalibrationBatch, 'files'>> {
  const stats = { used: 0, skipped: [] as Array<{ file: string; why: string }> };
  for await (const b of streamCalibrationBatches(files.slice(0, n + 32), pre, n, stats)) {
    return { data: b.data, n: b.n, shape: b.shape };
  }
  throw new EdgefaceError('no readable calibration image for the sensitivity report');
}
