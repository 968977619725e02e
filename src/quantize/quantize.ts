/**
 * `edgeface quantize` as a library call: calibrate (or read a table), write the INT8 ncnn
 * model and the ncnn2table-format table, and optionally report per-layer sensitivity and
 * pick layers to keep FP32 (--auto).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EdgefaceError, USAGE } from '../errors.js';
import { convertOnnxFile } from '../convert/convert.js';
import { readSidecar, sidecarPath, writeSidecar, type ModelSidecar } from '../ncnn/sidecar.js';
import { describePreprocess, resolvePreprocess, type InputSize, type Preprocess } from '../image/preprocess.js';
import { flagsLayer, onnxMetadataLayer, sidecarLayer } from '../runtime/preprocess-layers.js';
import { readNcnnModel, writeNcnnModel } from '../ncnn/io.js';
import type { NcnnModel } from '../ncnn/model.js';
import { NcnnRuntime } from '../runtime/ncnn.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { calibrate } from './calibration/calibrate.js';
import { firstImages, listCalibrationImages } from './calibration/images.js';
import { writeInt8Model } from './int8-writer.js';
import { buildTable } from './scales/build-table.js';
import { DEFAULT_METHOD, scaleMethod, type ActivationMethod } from './scales/registry.js';
import { quantizableLayers } from './selection/quantizable.js';
import { formatSensitivity, sensitivityReport, type SensitivityReport } from './selection/sensitivity.js';
import { DEFAULT_TINY_POLICY, tinyLayers } from './selection/tiny-layers.js';
import { readTable, writeTable, type QuantTable } from './table.js';

export interface QuantizeOptions {
  /** FP32 model: .onnx (converted first) or ncnn .param (with `bin`, default same stem .bin). */
  model: string;
  bin?: string;
  /** Calibration image folder; needed unless `table` is given. */
  calib?: string;
  /** Use this calibration table instead of calibrating. */
  table?: string;
  outParam: string;
  outBin: string;
  /** Where to write the table; default <outParam without .param>.table. */
  tableOut?: string;
  method?: ActivationMethod;
  percentile?: number;
  keepFp32?: string[];
  /** Store weights left FP32 as float16 (ncnn2int8 does). */
  fp16?: boolean;
  legacyWinograd?: boolean;
  fuseRequantize?: boolean;
  /** Also quantize layers with negligible MACs and weights (kept FP32 by default). */
  quantizeTiny?: boolean;
  maxImages?: number;
  preprocess?: Partial<Preprocess>;
  /** Input / output blob names; default the model's Input blob and its last output. */
  input?: string;
  output?: string;
  sensitivity?: boolean;
  /** JSON file for the sensitivity report (implies sensitivity). */
  sensitivityJson?: string;
  /** Images used for sensitivity / --auto (first N of the calibration set). */
  sensitivityImages?: number;
  /** The first N of those, for the per-layer figures that rank layers (default 16). */
  rankImages?: number;
  auto?: boolean;
  minCosine?: number;
  threads?: number;
  progress?: boolean;
  log?: (line: string) => void;
}

export interface QuantizeResult {
  table: QuantTable;
  tablePath: string;
  quantized: string[];
  keptFp32: string[];
  fused: Array<[string, string]>;
  preprocess?: Preprocess;
  images?: { used: number; skipped: Array<{ file: string; why: string }> };
  calibrationSeconds?: number;
  weightBytesFp32: number;
  weightBytesInt8: number;
  sensitivity?: SensitivityReport;
}

interface LoadedModel {
  model: NcnnModel;
  /** FP32 ncnn files on disk (for the ncnn runtime). */
  param: string;
  bin: string;
  onnx?: string;
  /** Blob names and preprocessing the converter recorded (`<model>.param.json`). */
  sidecar?: ModelSidecar;
  cleanup: () => void;
}

async function loadModel(opts: QuantizeOptions): Promise<LoadedModel> {
  const file = opts.model;
  if (!existsSync(file)) throw new EdgefaceError(`${file}: no such file`);
  if (file.endsWith('.onnx')) {
    const { model, sidecar } = convertOnnxFile(file);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-q-'));
    const param = path.join(dir, 'fp32.param');
    const bin = path.join(dir, 'fp32.bin');
    await writeNcnnModel(model, param, bin);
    return { model, param, bin, onnx: file, sidecar, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const bin = opts.bin ?? file.replace(/\.param$/, '') + '.bin';
  return { model: readNcnnModel(file, bin), param: file, bin, sidecar: readSidecar(file), cleanup: () => undefined };
}

function inputBlob(model: NcnnModel, name?: string): string {
  const inputs = model.layers.filter((l) => l.type === 'Input').flatMap((l) => l.outputs);
  if (name) {
    if (!inputs.includes(name)) throw new EdgefaceError(`model has no input blob '${name}' (inputs: ${inputs.join(', ')})`);
    return name;
  }
  if (inputs.length !== 1) throw new EdgefaceError(`model has ${inputs.length} Input blobs; name the image input with --input`);
  return inputs[0]!;
}

function outputBlob(model: NcnnModel, name?: string): string {
  const consumed = new Set(model.layers.flatMap((l) => l.inputs));
  const outs = model.layers.flatMap((l) => l.outputs).filter((b) => !consumed.has(b));
  if (name) {
    if (!model.layers.some((l) => l.outputs.includes(name))) throw new EdgefaceError(`model has no blob '${name}'`);
    return name;
  }
  const last = model.layers[model.layers.length - 1]?.outputs[0];
  const out = last && outs.includes(last) ? last : outs[0];
  if (!out) throw new EdgefaceError('model has no output blob');
  return out;
}

/** The declared size of an Input blob (ncnn Input keys 0 = w, 1 = h), when it is fixed. */
function inputBlobSize(model: NcnnModel, blob: string): InputSize | undefined {
  const layer = model.layers.find((l) => l.type === 'Input' && l.outputs.includes(blob));
  const get = (k: number) => {
    const v = layer?.params.get(k);
    return v && v.kind === 'int' ? v.value : 0;
  };
  const [width, height] = [get(0), get(1)];
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Flags over the sidecar over ONNX metadata over the default; the size is the model's. */
async function resolveModelPreprocess(opts: QuantizeOptions, loaded: LoadedModel, input: string): Promise<Preprocess> {
  const layers = [
    loaded.onnx ? await onnxMetadataLayer(loaded.onnx) : undefined,
    // an ONNX model's sidecar is made from its metadata: one layer is enough
    loaded.onnx ? undefined : sidecarLayer(loaded.sidecar && { file: sidecarPath(loaded.param), sidecar: loaded.sidecar }),
    flagsLayer(opts.preprocess),
  ];
  return resolvePreprocess(layers, inputBlobSize(loaded.model, input), opts.model).preprocess;
}

export async function quantize(opts: QuantizeOptions): Promise<QuantizeResult> {
  const log = opts.log ?? (() => undefined);
  if (!opts.table && !opts.calib) throw new EdgefaceError('quantize needs --calib <folder> (or --table <file>)', { exitCode: USAGE });
  const method = opts.method ?? DEFAULT_METHOD;
  const wantSensitivity = !!(opts.sensitivity || opts.sensitivityJson || opts.auto);
  if (opts.auto && opts.minCosine === undefined) throw new EdgefaceError('--auto needs --min-cosine <x> (e.g. 0.995)', { exitCode: USAGE });
  const loaded = await loadModel(opts);
  let runtime: NcnnRuntime | undefined;
  const getRuntime = async () => (runtime ??= await NcnnRuntime.start());
  try {
    const { model } = loaded;
    const layers = quantizableLayers(model);
    if (layers.length === 0) throw new EdgefaceError(`${opts.model}: no FP32 Convolution, ConvolutionDepthWise or InnerProduct layer to quantize`);
    const unknown = (opts.keepFp32 ?? []).filter((n) => !layers.some((q) => q.layer.name === n));
    if (unknown.length) throw new EdgefaceError(`--keep-fp32: no quantizable layer named ${unknown.map((n) => `'${n}'`).join(', ')}`);
    const input = inputBlob(model, opts.input ?? loaded.sidecar?.inputs[0]?.name);
    const output = outputBlob(model, opts.output ?? loaded.sidecar?.outputs[0]);

    const result: Partial<QuantizeResult> = {};
    const keepFp32Cli = [...(opts.keepFp32 ?? [])];
    let table: QuantTable;
    let files: string[] = [];
    let pre: Preprocess | undefined;
    if (opts.calib) {
      files = listCalibrationImages(opts.calib);
      if (opts.maxImages !== undefined) files = files.slice(0, opts.maxImages);
      pre = await resolveModelPreprocess(opts, loaded, input);
      result.preprocess = pre;
      log(`calibration: ${files.length} images from ${opts.calib}, ${describePreprocess(pre)}, method ${method}`);
    }
    if (opts.table) {
      table = readTable(opts.table);
      log(`calibration table: ${opts.table} (${table.inputScales.size} layers with input scales)`);
    } else {
      const blobs = [...new Set(layers.map((q) => q.input))];
      const scaler = scaleMethod(method);
      const stats = await calibrate({ onnx: loaded.onnx, param: loaded.param, bin: loaded.bin, input }, blobs, files, pre!, getRuntime, {
        keepSamples: scaler.keepSamples ?? 0,
        threads: opts.threads,
        progress: opts.progress,
        log,
      });
      if (stats.images.used === 0) {
        throw new EdgefaceError(`calibration folder ${opts.calib}: none of the ${files.length} images could be read`, {
          hint: stats.images.skipped[0] ? `first failure: ${stats.images.skipped[0].why}` : undefined,
        });
      }
      result.images = stats.images;
      result.calibrationSeconds = stats.seconds;
      log(
        `calibration: ${stats.images.used} images in ${stats.seconds.toFixed(1)} s` +
          (stats.images.skipped.length ? `, ${stats.images.skipped.length} unreadable skipped` : ''),
      );
      table = buildTable(model, stats, { method, percentile: opts.percentile, legacyWinograd: opts.legacyWinograd });
      if (opts.quantizeTiny !== true) {
        const tiny = tinyLayers(layers, stats.shapes).filter((n) => !keepFp32Cli.includes(n));
        if (tiny.length) log(`keeping FP32 ${tiny.length} layer(s) too small for INT8 to pay off (< ${DEFAULT_TINY_POLICY.maxMacShare * 100}% of MACs, < ${DEFAULT_TINY_POLICY.maxWeightShare * 100}% of weights): ${tiny.join(', ')}`);
        keepFp32Cli.push(...tiny);
      }
      if (scaler.refine) table = await scaler.refine(model, table, stats, { threads: opts.threads, log });
    }

    let keepFp32 = keepFp32Cli;
    if (wantSensitivity) {
      if (!opts.calib) throw new EdgefaceError('the sensitivity report and --auto need --calib images to measure on');
      const n = Math.min(opts.sensitivityImages ?? 64, files.length);
      const images = await firstImages(files, pre!, n);
      const scoped: QuantTable = { weightScales: table.weightScales, inputScales: new Map([...table.inputScales].filter(([k]) => !keepFp32.includes(k))) };
      const report = await sensitivityReport(model, scoped, {
        runtime: await getRuntime(),
        input,
        output,
        images,
        threads: opts.threads,
        fuseRequantize: opts.fuseRequantize,
        rankImages: opts.rankImages,
        minCosine: opts.auto ? opts.minCosine! : undefined,
      });
      if (report.auto) keepFp32 = [...keepFp32, ...report.auto.keptFp32];
      result.sensitivity = report;
      log(formatSensitivity(report));
      if (opts.sensitivityJson) await writeFileAtomic(opts.sensitivityJson, JSON.stringify(report, null, 2) + '\n');
    }

    // layers kept FP32 leave the table's activation lines, so ncnn2int8 keeps them FP32 too
    const finalTable: QuantTable = {
      weightScales: table.weightScales,
      inputScales: new Map([...table.inputScales].filter(([k]) => !keepFp32.includes(k))),
    };
    const written = writeInt8Model(model, finalTable, { fuseRequantize: opts.fuseRequantize });
    const tablePath = opts.tableOut ?? opts.outParam.replace(/\.param$/, '') + '.table';
    await writeNcnnModel(written.model, opts.outParam, opts.outBin, { fp16: opts.fp16 });
    await writeTable(finalTable, tablePath);
    // eval and apps find blob names and preprocessing beside the INT8 model too
    if (loaded.sidecar) await writeSidecar(opts.outParam, { ...loaded.sidecar, source: path.basename(opts.model) });
    log(
      `INT8: ${written.quantized.length} of ${layers.length} layers quantized` +
        (keepFp32.length ? `, kept FP32: ${keepFp32.join(', ')}` : '') +
        `; their weights ${(written.weightBytesFp32 / 1024).toFixed(0)} KiB -> ${(written.weightBytesInt8 / 1024).toFixed(0)} KiB` +
        (written.fused.length ? `; ${written.fused.length} requantize fusions` : ''),
    );
    return {
      ...result,
      table: finalTable,
      tablePath,
      quantized: written.quantized,
      keptFp32: keepFp32,
      fused: written.fused,
      weightBytesFp32: written.weightBytesFp32,
      weightBytesInt8: written.weightBytesInt8,
    } as QuantizeResult;
  } finally {
    if (runtime) await runtime.close();
    loaded.cleanup();
  }
}
