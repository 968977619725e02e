/**
 * Conversion benchmark: edgeface vs pnnx (ncnn's own converter, PyPI `pnnx`) on the same
 * iresnet100 ONNX file, in the same run. Prints wall time and peak RSS of each and the ratios.
 *
 *   npm run bench -- [model.onnx] [--runs N]
 * Without a model, generates iresnet100 (random weights) with tools/fixtures.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync, statSync, copyFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/runtime/package-root.js';
import { pythonInterpreter as pythonExecutable } from '../src/runtime/python.js';

interface Measure { wall_s: number; peak_rss_bytes: number; returncode: number; stderr: string }

async function measure(cmd: string[]): Promise<Measure> {
  const r = await execa(pythonExecutable(), [path.join(packageRoot(), 'tools/bench/measure.py'), ...cmd]);
  const m = JSON.parse(r.stdout) as Measure;
  if (m.returncode !== 0) throw new Error(`${cmd.join(' ')} failed: ${m.stderr}`);
  return m;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsIdx = args.indexOf('--runs');
  const runs = runsIdx >= 0 ? Number(args[runsIdx + 1]) : 3;
  let model = args.find((a) => a.endsWith('.onnx'));
  const root = packageRoot();
  if (!model) {
    const dir = path.join(root, '.cache', 'bench');
    model = path.join(dir, 'r100-classic-op11-static-bnfold-plain.onnx');
    if (!existsSync(model)) {
      console.log('generating iresnet100 ONNX (random weights) ...');
      await execa(pythonExecutable(), [path.join(root, 'tools/fixtures/make_backbone_onnx.py'), dir, '--full', '--nets', 'r100', '--opsets', '11',
        '--exporters', 'classic', '--batch', 'static', '--bn', 'fold', '--heads', 'plain'], { stdio: 'inherit' });
    }
  }
  const size = statSync(model).size;
  const work = mkdtempSync(path.join(os.tmpdir(), 'edgeface-bench-'));
  try {
    // pnnx writes next to its input, so it gets its own copy.
    const pnnxInput = path.join(work, 'model.onnx');
    copyFileSync(model, pnnxInput);
    const pnnx = path.join(path.dirname(pythonExecutable()), 'pnnx');
    const ef: Measure[] = [];
    const pn: Measure[] = [];
    for (let i = 0; i < runs; i++) {
      ef.push(await measure(['node', path.join(root, 'dist/src/cli.js'), 'convert', model, '-o', path.join(work, 'edgeface')]));
      pn.push(await measure([pnnx, pnnxInput, 'inputshape=[1,3,112,112]']));
      for (const f of readdirSync(work)) if (f.startsWith('model.') && f !== 'model.onnx') rmSync(path.join(work, f), { force: true });
    }
    const row = (name: string, ms: Measure[]) => {
      const t = median(ms.map((m) => m.wall_s));
      const rss = Math.max(...ms.map((m) => m.peak_rss_bytes));
      console.log(`${name.padEnd(10)} wall ${t.toFixed(2)} s (median of ${ms.length})   peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${(rss / size).toFixed(2)}x model)`);
      return { t, rss };
    };
    console.log(`model: ${model} (${(size / 2 ** 20).toFixed(0)} MiB)`);
    const e = row('edgeface', ef);
    const p = row('pnnx', pn);
    console.log(`ratio edgeface/pnnx: time ${(e.t / p.t).toFixed(3)}, peak RSS ${(e.rss / p.rss).toFixed(3)}`);
    console.log(`goal: edgeface <= 1.5 s and peak RSS <= 1.2x model size -> ${e.t <= 1.5 ? 'met' : 'not met'} / ${e.rss <= 1.2 * size ? 'met' : 'not met'}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
