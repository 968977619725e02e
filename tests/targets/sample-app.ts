/** A small iOS/Android app folder for the hook tests: manifest, the bundled model, a few calibration faces. */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/tests/targets/sample-app.js once built). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(REPO, 'dist/src/cli.js');
export const IOS_FIXTURE = path.join(REPO, 'tests/targets/fixtures/ios');
export const BUNDLED_ONNX = path.join(REPO, 'models/edgeface-mbf.onnx');

export function tmpDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `edgeface-${tag}-`));
}

export interface SampleApp {
  root: string;
  manifest: string;
  calibImages: string[];
}

/**
 * `root/edgeface.json` naming `models/face.onnx` (the bundled model) and `calibration/`
 * (the first `calib` bundled calibration faces); `manifestExtra` is merged into the model entry.
 */
export function sampleApp(root: string, opts: { calib?: number; modelEntry?: Record<string, unknown> } = {}): SampleApp {
  mkdirSync(path.join(root, 'models'), { recursive: true });
  cpSync(BUNDLED_ONNX, path.join(root, 'models', 'face.onnx'));
  const calibDir = path.join(root, 'calibration');
  mkdirSync(calibDir, { recursive: true });
  const src = path.join(REPO, 'calibration', 'images');
  const names = readdirSync(src).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort().slice(0, opts.calib ?? 4);
  for (const n of names) cpSync(path.join(src, n), path.join(calibDir, n));
  const manifest = path.join(root, 'edgeface.json');
  const entry = { name: 'face', model: 'models/face.onnx', ...(opts.modelEntry ?? {}) };
  writeFileSync(manifest, JSON.stringify({ models: [entry] }, null, 2) + '\n');
  return { root, manifest, calibImages: names.map((n) => path.join(calibDir, n)) };
}

/** A small LFW-format gate set: the first `perFold` same and different pairs of 2 folds of the bundled subset. */
export function smallLfw(dir: string, perFold = 5): string {
  const src = path.join(REPO, 'data', 'lfw-fold1');
  const lines = readFileSync(path.join(src, 'pairs.txt'), 'utf8').trimEnd().split('\n');
  const [folds, n] = lines[0]!.split(/\s+/).map(Number) as [number, number];
  void folds;
  const out: string[] = [`2\t${perFold}`];
  for (let f = 0; f < 2; f++) {
    const block = lines.slice(1 + f * 2 * n, 1 + (f + 1) * 2 * n);
    out.push(...block.slice(0, perFold), ...block.slice(n, n + perFold));
  }
  const img = (p: string, i: string) => path.join('aligned112', p, `${p}_${i.padStart(4, '0')}.jpg`);
  for (const l of out.slice(1)) {
    const t = l.split('\t');
    const files = t.length === 3 ? [img(t[0]!, t[1]!), img(t[0]!, t[2]!)] : [img(t[0]!, t[1]!), img(t[2]!, t[3]!)];
    for (const f of files) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      cpSync(path.join(src, f), path.join(dir, f));
    }
  }
  writeFileSync(path.join(dir, 'pairs.txt'), out.join('\n') + '\n');
  return dir;
}

/** Appends an unknown protobuf field (number 1000, varint 1) to an .onnx: a different file, the same valid model. */
export function touchOnnx(file: string): void {
  appendFileSync(file, Buffer.from([0xc0, 0x3e, 0x01]));
}
