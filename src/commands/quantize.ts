/** `edgeface quantize`: flags -> quantize() (src/quantize/quantize.ts). */
import path from 'node:path';
import type { Command } from 'commander';
import { EdgefaceError } from '../errors.js';
import { preprocessFromFlags } from '../image/preprocess.js';
import { quantize, type QuantizeOptions } from '../quantize/quantize.js';
import { DEFAULT_PERCENTILE } from '../quantize/scales/percentile.js';
import { ACTIVATION_METHODS, DEFAULT_METHOD } from '../quantize/scales/registry.js';
import { addOptions, choice, flag, numberIn, numeric, positiveInt, PREPROCESS_OPTIONS, text, type FlagsOf } from './options.js';

/** Every quantize option, once: commander's declarations and the Flags type both come from here. */
export const QUANTIZE_OPTIONS = {
  calib: text('--calib <dir>', 'calibration images (JPEG/PNG, any folder tree)'),
  table: text('--table <file>', 'use this calibration table (ncnn2table format) instead of calibrating'),
  out: text('-o, --out <stem>', 'output stem: writes <stem>.param, <stem>.bin, <stem>.table (default <model>-int8)'),
  outParam: text('--out-param <file>', 'INT8 .param path'),
  outBin: text('--out-bin <file>', 'INT8 .bin path'),
  tableOut: text('--table-out <file>', 'calibration table path'),
  method: choice('--method <name>', 'activation scale method', ACTIVATION_METHODS, DEFAULT_METHOD),
  percentile: numeric('--percentile <p>', 'percentile of |x| for --method percentile', numberIn(50, 100), DEFAULT_PERCENTILE),
  keepFp32: text('--keep-fp32 <layers>', 'comma-separated layer names to keep FP32'),
  fp16: flag('--fp16', 'store weights left FP32 as float16 (as ncnn2int8 does)'),
  fuseRequantize: flag('--no-fuse-requantize', 'do not fuse requantization into convolution -> convolution chains'),
  quantizeAll: flag('--quantize-all', 'also quantize layers with negligible compute and weights (kept FP32 by default)'),
  legacyWinograd: flag('--legacy-winograd', '6-bit weights for 3x3 stride-1 convolutions, as ncnn2table (older runtimes)'),
  maxImages: numeric('--max-images <n>', 'use at most n calibration images', positiveInt),
  ...PREPROCESS_OPTIONS,
  input: text('--input <blob>', 'image input blob'),
  output: text('--output <blob>', 'embedding output blob (sensitivity, --auto)'),
  sensitivity: flag('--sensitivity', 'print per-layer INT8 sensitivity (embedding cosine with only that layer INT8)'),
  sensitivityJson: text('--sensitivity-json <file>', 'write the sensitivity report as JSON'),
  sensitivityImages: numeric('--sensitivity-images <n>', 'images for sensitivity and --auto (default 64)', positiveInt),
  rankImages: numeric('--rank-images <n>', 'the first n of those give the per-layer figures that rank layers (default 16)', positiveInt),
  auto: flag('--auto', 'keep the fewest (most sensitive) layers FP32 that reach --min-cosine on the sensitivity images, less two standard errors'),
  minCosine: numeric('--min-cosine <x>', 'target mean embedding cosine vs FP32 for --auto', numberIn(0, 1)),
  threads: numeric('--threads <n>', 'threads: calibration workers (one onnxruntime session each) and ncnn runtime threads (default: all cores)', positiveInt),
  quiet: flag('-q, --quiet', 'no progress or summary on stderr'),
};

export type QuantizeFlags = FlagsOf<typeof QUANTIZE_OPTIONS>;

/** Model path + flags -> library options (output names default to <model>-int8.*). */
export function optionsFromFlags(model: string, bin: string | undefined, f: QuantizeFlags): QuantizeOptions {
  const stem = f.out ?? path.join(path.dirname(model), path.basename(model).replace(/\.(onnx|param)$/, '') + '-int8');
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
    preprocess: preprocessFromFlags(f) ?? {},
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

/**
 * `edgeface quantize` without a model: the INT8 models of ./edgeface.json, each with the
 * manifest's calibration folder and options; flags given on the command line win.
 */
async function manifestJobs(flags: QuantizeFlags, fromCli: (key: string) => boolean): Promise<Array<{ model: string; bin?: string; flags: QuantizeFlags }>> {
  // loaded here: the manifest module imports this one (for QUANTIZE_OPTIONS)
  const { MANIFEST_FILE, findManifest, readManifest } = await import('../manifest/manifest.js');
  const file = findManifest();
  if (!file) throw new EdgefaceError(`no model given and no ${MANIFEST_FILE} in ${process.cwd()}`);
  const models = readManifest(file).models.filter((m) => m.int8);
  if (!models.length) throw new EdgefaceError(`${file}: no model has "int8": true`);
  if (models.length > 1 && (flags.out || flags.outParam || flags.outBin || flags.tableOut)) {
    throw new EdgefaceError(`${file} names ${models.length} INT8 models; -o/--out-param/--out-bin/--table-out apply to one model only`);
  }
  return models.map((m) => {
    const merged: Record<string, unknown> = { ...flags, ...m.quantize, calib: m.calib };
    for (const [k, v] of Object.entries(flags)) if (fromCli(k)) merged[k] = v;
    return { model: m.model, bin: m.bin, flags: merged as QuantizeFlags };
  });
}

export function registerQuantizeCommand(program: Command): Command {
  const cmd = program
    .command('quantize')
    .description('INT8 post-training quantization for the ncnn runtime (ncnn2table + ncnn2int8 in one step)')
    .argument('[model]', 'FP32 model: .onnx, or ncnn .param (its .bin beside it or given next); default: the INT8 models of ./edgeface.json')
    .argument('[bin]', 'ncnn .bin when it is not <model stem>.bin');
  return addOptions(cmd, QUANTIZE_OPTIONS).action(async (model: string | undefined, bin: string | undefined, flags: QuantizeFlags, c: Command) => {
    const jobs = model !== undefined ? [{ model, bin, flags }] : await manifestJobs(flags, (k) => c.getOptionValueSource(k) === 'cli');
    for (const j of jobs) {
      const o = optionsFromFlags(j.model, j.bin, j.flags);
      const r = await quantize(o);
      if (!flags.quiet) process.stderr.write(`wrote ${o.outParam}, ${o.outBin}, ${r.tablePath}\n`);
    }
  });
}
