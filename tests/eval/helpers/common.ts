/** Paths and small utilities for the eval tests. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pythonInterpreter } from '../../../src/runtime/python.js';
import { REPO, SHARED_MODELS } from '../../shared-data.js';

export const SUBSET = path.join(REPO, 'data/lfw-fold1');
export const FOAMLIU_ONNX = path.join(SHARED_MODELS, 'foamliu-mobilefacenet.onnx');
export const MBF_PARAM = path.join(SHARED_MODELS, 'insightface-mbf-y1.param');
export const PYTHON = pythonInterpreter();
export const CLI = path.join(REPO, 'dist/src/cli.js');

export function tmpDir(tag: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `edgeface-${tag}-`));
}

/** Runs a Python snippet or script with the project interpreter; returns stdout. */
export function python(args: string[], input?: string): string {
  return execFileSync(PYTHON, args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function runCli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'eval', '-q', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Writes embeddings + pairs in the layout tests/python/test_eval_reference.py reads. */
export function writeReferenceInput(
  dir: string,
  embeddings: Float32Array,
  dim: number,
  pairs: { a: number; b: number; same: boolean }[],
  folds = 10,
): void {
  writeFileSync(path.join(dir, 'embeddings.f32'), Buffer.from(embeddings.buffer, embeddings.byteOffset, embeddings.byteLength));
  writeFileSync(
    path.join(dir, 'pairs.json'),
    JSON.stringify({ n: embeddings.length / dim, dim, folds, pairs: pairs.map((p) => [p.a, p.b]), same: pairs.map((p) => p.same) }),
  );
}

export interface ReferenceFigures {
  foldAccuracies: number[];
  accuracyMean: number;
  accuracyStd: number;
  foldThresholds: number[];
  bestThreshold: number;
  bestAccuracy: number;
  auc: number;
  tarAtFar: number;
}

export function pythonReference(dir: string): ReferenceFigures {
  return JSON.parse(python([path.join(REPO, 'tests/python/test_eval_reference.py'), dir])) as ReferenceFigures;
}

/**
 * A smaller LFW folder from the bundled subset (images symlinked): 10 folds of
 * `perHalf` same + `perHalf` different pairs, taken from the start of each subset fold.
 */
export function smallLfw(perHalf: number): string {
  const lines = readFileSync(path.join(SUBSET, 'pairs.txt'), 'utf8').trim().split('\n').slice(1);
  const chosen: string[] = [];
  for (let f = 0; f < 10; f++) chosen.push(...lines.slice(60 * f, 60 * f + perHalf), ...lines.slice(60 * f + 30, 60 * f + 30 + perHalf));
  const dir = tmpDir('lfw-small');
  symlinkSync(path.join(SUBSET, 'aligned112'), path.join(dir, 'aligned112'));
  writeFileSync(path.join(dir, 'pairs.txt'), [`10\t${perHalf}`, ...chosen].join('\n') + '\n');
  return dir;
}
