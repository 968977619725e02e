/**
 * ViT benchmark: arcface_torch-style ViT-T (random weights, tools/fixtures --vit) converted
 * by edgeface and by pnnx (ncnn's own converter, PyPI `pnnx`) from the same ONNX file, then
 * both ncnn models timed in FP32 on 2 threads in the same run, interleaved. Prints the
 * latencies and their ratio, or why pnnx's model cannot run.
 *
 *   npm run bench:vit -- [model.onnx] [--runs N] [--threads T]
 */
import { execa } from 'execa';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/runtime/package-root.js';
import { pythonInterpreter } from '../src/runtime/python.js';

const opt = (args: string[], name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

/** Layer types of an ncnn .param that the runtime has no layer for (pnnx's leftovers). */
function foreignLayers(param: string): string[] {
  const types = readFileSync(param, 'utf8').split('\n').slice(2).map((l) => l.split(/\s+/)[0] ?? '');
  return [...new Set(types.filter((t) => t.includes('.')))];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = packageRoot();
  const py = pythonInterpreter();
  let model = args.find((a) => a.endsWith('.onnx'));
  if (!model) {
    const dir = path.join(root, '.cache', 'fixtures-vit');
    model = path.join(dir, 'vit_t-classic-op13-static-bnfold-plain.onnx');
    if (!existsSync(model)) {
      console.log('generating the ViT fixtures (random weights) ...');
      await execa(py, [path.join(root, 'tools/fixtures/make_backbone_onnx.py'), dir, '--vit'], { stdio: 'inherit' });
    }
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'edgeface-vit-bench-'));
  try {
    const ef = path.join(work, 'edgeface');
    await execa('node', [path.join(root, 'dist/src/cli.js'), 'convert', model, '-o', ef]);
    const pnInput = path.join(work, 'model.onnx');
    copyFileSync(model, pnInput);
    if (existsSync(`${model}.data`)) copyFileSync(`${model}.data`, `${pnInput}.data`);
    const pnnx = path.join(path.dirname(py), 'pnnx');
    await execa(pnnx, [pnInput, 'inputshape=[1,3,112,112]'], { cwd: work });
    const pnParam = path.join(work, 'model.ncnn.param');
    const efLayers = readFileSync(`${ef}.param`, 'utf8').split('\n')[1]?.split(' ')[0];
    const r = await execa(py, [
      path.join(root, 'tools/bench/ncnn_latency.py'), '--threads', String(opt(args, '--threads', 2)), '--runs', String(opt(args, '--runs', 20)),
      `edgeface=${ef}.param,${ef}.bin,data,fc1`, `pnnx=${pnParam},${path.join(work, 'model.ncnn.bin')},in0,out0`,
    ]);
    const res = JSON.parse(r.stdout) as Record<string, number | string>;
    console.log(`model: ${model}`);
    console.log(`edgeface  ${typeof res.edgeface === 'number' ? `${res.edgeface.toFixed(1)} ms` : res.edgeface}   (${efLayers} ncnn layers)`);
    if (typeof res.pnnx === 'number') {
      console.log(`pnnx      ${res.pnnx.toFixed(1)} ms`);
      console.log(`ratio edgeface/pnnx: ${((res.edgeface as number) / res.pnnx).toFixed(3)} (goal <= 1.1)`);
    } else {
      const left = foreignLayers(pnParam);
      console.log(`pnnx      does not run: ${res.pnnx}${left.length ? `; left unconverted: ${left.join(', ')}` : ''}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
