import path from 'node:path';
import type { Command } from 'commander';
import { convertAndWrite } from '../convert/convert.js';
import { runEval } from '../eval/run-eval.js';
import { quantize } from '../quantize/quantize.js';
import { packageRoot } from '../runtime/package-root.js';
import { mkdirSync } from 'node:fs';
import { reportAndGate } from './eval.js';
import { numberIn } from './options.js';

interface DemoOptions {
  model: string;
  calib: string;
  lfw: string;
  out: string;
  maxDrop: number;
}

/**
 * The main job on the bundled defaults: convert the default model, quantize it with the
 * bundled calibration faces, and score ONNX / ncnn FP32 / ncnn INT8 side by side on the
 * bundled LFW subset, gated on the INT8 drop.
 */
export async function runDemo(o: DemoOptions): Promise<number> {
  mkdirSync(o.out, { recursive: true });
  const stem = path.join(o.out, path.basename(o.model, '.onnx'));
  const fp32 = { param: `${stem}.param`, bin: `${stem}.bin` };
  const int8 = { param: `${stem}-int8.param`, bin: `${stem}-int8.bin` };
  const say = (s: string) => process.stdout.write(`${s}\n`);

  say(`[1/3] convert ${o.model} -> ${fp32.param}`);
  const conv = await convertAndWrite(o.model, fp32);
  say(`      ${conv.model.layers.length} ncnn layers`);

  say(`[2/3] quantize with ${o.calib} -> ${int8.param}`);
  // From the ONNX model: calibration statistics then come from onnxruntime (fast path).
  await quantize({ model: o.model, calib: o.calib, outParam: int8.param, outBin: int8.bin, progress: process.stderr.isTTY });

  say(`[3/3] LFW 10-fold on ${o.lfw}`);
  const report = await runEval({
    models: [o.model, fp32.param, int8.param],
    dataset: { lfw: o.lfw },
    folds: 10,
    far: 1e-3,
    log: (line) => process.stderr.write(`eval: ${line}\n`),
  });
  return reportAndGate(report, { maxDropPp: o.maxDrop }, { json: path.join(o.out, 'eval.json'), roc: path.join(o.out, 'roc.png') });
}

export function registerDemoCommand(program: Command): void {
  const root = packageRoot();
  program
    .command('demo')
    .description('the whole chain on the bundled defaults: convert, quantize with calibration/, LFW eval side by side')
    .option('--model <model.onnx>', 'ONNX model', path.join(root, 'models', 'edgeface-mbf.onnx'))
    .option('--calib <dir>', 'calibration images', path.join(root, 'calibration'))
    .option('--lfw <dir>', 'LFW-style folder with pairs.txt', path.join(root, 'data', 'lfw-fold1'))
    .option('--out <dir>', 'where the models and reports go', 'edgeface-demo')
    .option('--max-drop <pp>', 'allowed LFW accuracy drop of INT8, percentage points', numberIn(0, 100), 1)
    .action(async (o: DemoOptions) => {
      process.exitCode = await runDemo(o);
    });
}
