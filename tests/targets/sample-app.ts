/** A small iOS/Android app folder for the hook tests: manifest, the bundled model, a few calibration faces. */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = process.cwd();
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
