/**
 * Converter fixtures for the emit tests: MobileFaceNet and iresnet18 with BatchNorm kept and
 * the view + F.normalize head (so BatchNorm, Normalize and float params all appear), made
 * by tools/fixtures/make_backbone_onnx.py once into .cache/fixtures-emit.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { pythonInterpreter } from '../../src/runtime/python.js';

const DIR = path.resolve('.cache/fixtures-emit');

export async function emitFixtures(): Promise<string[]> {
  const manifest = path.join(DIR, 'manifest.json');
  if (!existsSync(manifest)) {
    await execa(pythonInterpreter(), ['tools/fixtures/make_backbone_onnx.py', DIR, '--full', '--nets', 'mbf,r18', '--opsets', '13',
      '--exporters', 'classic', '--batch', 'static', '--bn', 'kept', '--heads', 'view_normalize']);
  }
  const data = JSON.parse(readFileSync(manifest, 'utf8')) as { files: Array<{ file: string }> } | Array<{ file: string }>;
  return (Array.isArray(data) ? data : data.files).map((f) => path.join(DIR, f.file));
}
