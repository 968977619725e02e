import type { Command } from 'commander';
import { EdgefaceError } from '../errors.js';
import { convertAndWrite, defaultOutputs } from '../convert/convert.js';
import { sidecarPath } from '../ncnn/sidecar.js';
import { refuseOverwritingInputs } from '../util/same-file.js';
import type { Shape } from '../ir/tensor.js';

/** `name:1,3,112,112` -> map entry. */
export function parseInputShapes(specs: string[]): Map<string, Shape> {
  const m = new Map<string, Shape>();
  for (const s of specs) {
    const i = s.lastIndexOf(':');
    const dims = s.slice(i + 1).split(',').map(Number);
    if (i <= 0 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new EdgefaceError(`--input-shape '${s}': expected name:d0,d1,... with positive integers`);
    }
    m.set(s.slice(0, i), dims);
  }
  return m;
}

export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .description('convert an ONNX model to ncnn .param/.bin')
    .argument('<model.onnx>', 'ONNX model (external .data files are read from its folder)')
    .option('-o, --out <prefix>', 'output path prefix (default: beside the input, same name)')
    .option('--fp16', 'store weights as float16 (half the .bin size)')
    .option('--input-shape <name:dims...>', 'fix an input shape, e.g. data:1,3,112,112', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-v, --verbose', 'print what each graph pass did')
    .option('--force', 'write even when an output path is the input file')
    .action(async (model: string, o: { out?: string; fp16?: boolean; inputShape: string[]; verbose?: boolean; force?: boolean }) => {
      const out = defaultOutputs(model, o.out);
      const t0 = performance.now();
      refuseOverwritingInputs([model], [out.param, out.bin, sidecarPath(out.param)], o.force);
      const res = await convertAndWrite(model, out, { fp16: o.fp16, inputShapes: parseInputShapes(o.inputShape) });
      if (o.verbose) for (const [k, v] of Object.entries(res.passes)) process.stderr.write(`  ${k.padEnd(34)} ${v}\n`);
      const ms = (performance.now() - t0).toFixed(0);
      process.stdout.write(`${out.param} ${out.bin} (${res.model.layers.length} layers, ${ms} ms)\n`);
    });
}
