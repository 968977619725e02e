/** `edgeface quantize`: registered on the CLI's commander program by src/cli.ts. */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isEdgefaceError } from '../errors.js';
import { preprocessFromFlags } from '../image/preprocess.js';
import { quantize, type QuantizeOptions } from './quantize.js';
import { ACTIVATION_METHODS, DEFAULT_METHOD, DEFAULT_PERCENTILE, type ActivationMethod } from './thresholds.js';

interface Flags {
  calib?: string;
  table?: string;
  out?: string;
  outParam?: string;
  outBin?: string;
  tableOut?: string;
  method: ActivationMethod;
  percentile?: number;
  keepFp32?: string;
  fp16?: boolean;
  fuseRequantize: boolean;
  quantizeAll?: boolean;
  legacyWinograd?: boolean;
  maxImages?: number;
  preset?: string;
  color?: string;
  mean?: string;
  std?: string;
  inputSize?: string;
  input?: string;
  output?: string;
  sensitivity?: boolean;
  sensitivityJson?: string;
  sensitivityImages?: number;
  rankImages?: number;
  auto?: boolean;
  minCosine?: number;
  threads?: number;
  quiet?: boolean;
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const number = (lo: number, hi: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi) throw new InvalidArgumentError(`must be a number in [${lo}, ${hi}]`);
  return n;
};

/** Model path + flags -> library options (output names default to <model>-int8.*). */
export function optionsFromFlags(model: string, bin: string | undefined, f: Flags): QuantizeOptions {
  const stem = f.out ?? path.join(path.dirname(model), path.basename(model).replace(/\.(onnx|param)$/, '') + '-int8');
  const pre = preprocessFromFlags(f) ?? {};
  return {
    model,
    bin,
    calib: f.calib,
    table: f.table,
    outParam: f.outParam ?? `${stem}.param`,
    outBin: f.outBin ?? `${stem}.bin`,
    tableOut: f.tableOut ?? `${stem}.table`,
    method: f.method,
    percentile: f.percentile,
    keepFp32: f.keepFp32 ? f.keepFp32.split(',').map((s) => s.trim()).filter(Boolean) : [],
    fp16: f.fp16,
    fuseRequantize: f.fuseRequantize,
    quantizeTiny: f.quantizeAll,
    legacyWinograd: f.legacyWinograd,
    maxImages: f.maxImages,
    preprocess: pre,
    input: f.input,
    output: f.output,
    sensitivity: f.sensitivity,
    sensitivityJson: f.sensitivityJson,
    sensitivityImages: f.sensitivityImages,
    rankImages: f.rankImages,
    auto: f.auto,
    minCosine: f.minCosine,
    threads: f.threads,
    progress: !f.quiet,
    log: f.quiet ? undefined : (line) => process.stderr.write(line + '\n'),
  };
}

export function registerQuantizeCommand(program: Command): Command {
  return program
    .command('quantize')
    .description('INT8 post-training quantization for the ncnn runtime (ncnn2table + ncnn2int8 in one step)')
    .argument('<model>', 'FP32 model: .onnx, or ncnn .param (its .bin beside it or given next)')
    .argument('[bin]', 'ncnn .bin when it is not <model stem>.bin')
    .option('--calib <dir>', 'calibration images (JPEG/PNG, any folder tree)')
    .option('--table <file>', 'use this calibration table (ncnn2table format) instead of calibrating')
    .option('-o, --out <stem>', 'output stem: writes <stem>.param, <stem>.bin, <stem>.table (default <model>-int8)')
    .option('--out-param <file>', 'INT8 .param path')
    .option('--out-bin <file>', 'INT8 .bin path')
    .option('--table-out <file>', 'calibration table path')
    .addOption(new Option('--method <name>', 'activation scale method').choices(ACTIVATION_METHODS).default(DEFAULT_METHOD))
    .option('--percentile <p>', 'percentile of |x| for --method percentile', number(50, 100), DEFAULT_PERCENTILE)
    .option('--keep-fp32 <layers>', 'comma-separated layer names to keep FP32')
    .option('--fp16', 'store weights left FP32 as float16 (as ncnn2int8 does)')
    .option('--no-fuse-requantize', 'do not fuse requantization into convolution -> convolution chains')
    .option('--quantize-all', 'also quantize layers with negligible compute and weights (kept FP32 by default)')
    .option('--legacy-winograd', '6-bit weights for 3x3 stride-1 convolutions, as ncnn2table (older runtimes)')
    .option('--max-images <n>', 'use at most n calibration images', positiveInt)
    .option('--preset <name>', 'preprocessing preset: arcface, imagenet, raw')
    .option('--color <RGB|BGR>', 'channel order the model expects')
    .option('--mean <m>', 'per-channel mean over 0..255 pixels, "a,b,c" or one value')
    .option('--std <s>', 'per-channel std over 0..255 pixels')
    .option('--input-size <W,H>', 'input crop size')
    .option('--input <blob>', 'image input blob')
    .option('--output <blob>', 'embedding output blob (sensitivity, --auto)')
    .option('--sensitivity', 'print per-layer INT8 sensitivity (embedding cosine with only that layer INT8)')
    .option('--sensitivity-json <file>', 'write the sensitivity report as JSON')
    .option('--sensitivity-images <n>', 'images for sensitivity and --auto (default 64)', positiveInt)
    .option('--rank-images <n>', 'the first n of those give the per-layer figures that rank layers (default 16)', positiveInt)
    .option('--auto', 'keep the fewest (most sensitive) layers FP32 that reach --min-cosine on the sensitivity images, less two standard errors')
    .option('--min-cosine <x>', 'target mean embedding cosine vs FP32 for --auto', number(0, 1))
    .option('--threads <n>', 'threads: calibration workers (one onnxruntime session each) and ncnn runtime threads (default: all cores)', positiveInt)
    .option('-q, --quiet', 'no progress or summary on stderr')
    .action(async (model: string, bin: string | undefined, flags: Flags) => {
      try {
        const r = await quantize(optionsFromFlags(model, bin, flags));
        if (!flags.quiet) {
          const o = optionsFromFlags(model, bin, flags);
          process.stderr.write(`wrote ${o.outParam}, ${o.outBin}, ${r.tablePath}\n`);
        }
      } catch (e) {
        if (!isEdgefaceError(e)) throw e;
        process.stderr.write(`edgeface quantize: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
        process.exitCode = e.exitCode;
      }
    });
}
