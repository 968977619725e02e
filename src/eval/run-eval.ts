/**
 * `edgeface eval` as a library call: load the verification set, decode each image once,
 * run every model over it, score the protocol, and compare each reduced-precision model
 * with its FP32 source.
 */
import os from 'node:os';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import { describePreprocess, resolvePreprocess, type InputSize, type Preprocess, type PreprocessLayer } from '../image/preprocess.js';
import { findSidecar } from '../ncnn/sidecar.js';
import type { EmbeddingModel } from '../runtime/embedding-model.js';
import type { NcnnRuntime } from '../runtime/ncnn.js';
import { NcnnEmbeddingModel, startNcnnPool, inspectNcnnParam } from '../runtime/ncnn-model.js';
import { NativeEmbeddingModel } from '../runtime/native-model.js';
import { buildNativeRunner, type NativeArch } from '../runtime/native-runner.js';
import { OnnxEmbeddingModel } from '../runtime/onnx-model.js';
import { packageRoot } from '../runtime/package-root.js';
import { compareModels, type Comparison, type ComparedModel } from './compare.js';
import { decodeSet, type DecodedSet } from './decode-set.js';
import { embedSet } from './embed-set.js';
import { loadDataset, type DatasetSpec } from './datasets/index.js';
import { parseModelSpec, type ModelSpec } from './model-spec.js';
import { evaluateVerification, pairDistances, type ProtocolResult } from './protocol.js';
import { flagsLayer, onnxMetadataLayer, sidecarLayer } from '../runtime/preprocess-layers.js';

export interface EvalOptions {
  /** Model paths (`x.onnx`, `x.param`, `x.param:fp16`) or parsed specs, in report order. */
  models: (string | ModelSpec)[];
  /** Default: the LFW fold-1 subset shipped in data/lfw-fold1. */
  dataset?: DatasetSpec;
  flip?: boolean;
  folds?: number;
  far?: number;
  /** onnxruntime intra-op threads and number of ncnn runner processes; default: cores. */
  threads?: number;
  batch?: number;
  /** Preprocessing overrides applied to every model (win over metadata and sidecars). */
  preprocess?: Partial<Preprocess>;
  /** Input / output blob names (ONNX value or ncnn blob) for every model. */
  input?: string;
  output?: string;
  python?: string;
  /**
   * What runs ncnn models: 'python' (the PyPI ncnn runtime, default), 'host' or 'arm64'
   * (ncnn built from source by targets/cpp; arm64 cross-compiled and run under qemu).
   */
  runner?: 'python' | NativeArch;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface ModelReport {
  path: string;
  label: string;
  runtime: string;
  precision: 'fp32' | 'fp16' | 'int8';
  /** References are full precision; candidates are compared with (and gated against) one. */
  role: 'reference' | 'candidate';
  preprocess: Preprocess;
  preprocessFrom: string;
  dim: number;
  seconds: number;
  result: ProtocolResult;
}

export interface EvalReport {
  dataset: { name: string; origin: string; pairs: number; images: number; resized: number; decodeSeconds: number };
  flip: boolean;
  folds: number;
  models: ModelReport[];
  comparisons: Comparison[];
  totalSeconds: number;
}

export function defaultDataset(): DatasetSpec {
  return { lfw: path.join(packageRoot(), 'data', 'lfw-fold1') };
}

interface PreparedModel {
  spec: ModelSpec;
  /** Where this model's preprocessing comes from, lowest first (resolved once it is loaded). */
  layers: (PreprocessLayer | undefined)[];
  quantized: boolean;
  /** ncnn blob names from the converter's sidecar. */
  input?: string;
  output?: string;
}

/**
 * Each model's preprocessing sources: its ONNX metadata; for an ncnn model, the metadata of
 * the first ONNX model of the run that has some (usually its source) under its sidecar;
 * then flags, then the library's per-model settings.
 */
async function preparePreprocess(specs: ModelSpec[], overrides: Partial<Preprocess> | undefined): Promise<PreparedModel[]> {
  const onnxMeta = new Map<string, PreprocessLayer | undefined>();
  for (const s of specs.filter((x) => x.format === 'onnx')) onnxMeta.set(s.path, await onnxMetadataLayer(s.path));
  const companion = specs.find((s) => s.format === 'onnx' && onnxMeta.get(s.path));
  const flags = flagsLayer(overrides);
  return specs.map((spec) => {
    const spec_ = flagsLayer(spec.preprocess, 'model spec');
    if (spec.format === 'onnx') return { spec, layers: [onnxMeta.get(spec.path), flags, spec_], quantized: false };
    const meta = companion && { from: `metadata of ${path.basename(companion.path)}`, values: onnxMeta.get(companion.path)!.values };
    const side = findSidecar(spec.path);
    return {
      spec,
      layers: [meta, sidecarLayer(side), flags, spec_],
      quantized: inspectNcnnParam(spec.path).quantized,
      input: side?.sidecar.inputs[0]?.name,
      output: side?.sidecar.outputs[0],
    };
  });
}

/** [c, h, w] -> size, when h and w are fixed. */
const sizeOfChw = (shape: readonly number[] | undefined): InputSize | undefined =>
  shape && shape.length === 3 && shape[1]! > 0 && shape[2]! > 0 ? { width: shape[2]!, height: shape[1]! } : undefined;

export async function runEval(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  if (opts.models.length === 0) throw new EdgefaceError('no models given (pass .onnx and/or .param files)');
  const specs = opts.models.map((m) => (typeof m === 'string' ? parseModelSpec(m) : m));
  const threads = Math.max(1, opts.threads ?? os.availableParallelism());
  const folds = opts.folds ?? 10;
  const prepared = await preparePreprocess(specs, opts.preprocess);

  const set = loadDataset(opts.dataset ?? defaultDataset());
  log(`${set.name}: ${set.pairs.length} pairs over ${set.images.length} images`);
  if (set.pairs.length < folds) throw new EdgefaceError(`${set.origin}: ${set.pairs.length} pairs cannot be split into ${folds} folds`);

  const decoded = new Map<string, DecodedSet>();
  let decodeSeconds = 0;
  let resized = 0;
  const decodedAt = async (w: number, h: number): Promise<DecodedSet> => {
    const key = `${w}x${h}`;
    let d = decoded.get(key);
    if (!d) {
      d = await decodeSet(set, w, h);
      decoded.set(key, d);
      decodeSeconds += d.seconds;
      resized = Math.max(resized, d.resized);
      log(`decoded ${d.pixels.length} images at ${key} in ${d.seconds.toFixed(1)} s` + (d.resized ? ` (${d.resized} resized)` : ''));
    }
    return d;
  };

  let pool: NcnnRuntime[] | undefined;
  let nativeExe: string | undefined;
  const reports: ModelReport[] = [];
  const compared: ComparedModel[] = [];
  try {
    for (const [index, pm] of prepared.entries()) {
      const { spec } = pm;
      let model: EmbeddingModel;
      let resolved: ReturnType<typeof resolvePreprocess>;
      if (spec.format === 'onnx') {
        model = await OnnxEmbeddingModel.load(spec.path, { threads, input: opts.input, output: opts.output, batch: opts.batch });
        try {
          resolved = resolvePreprocess(pm.layers, sizeOfChw(model.inputShape), spec.path);
        } catch (e) {
          await model.close();
          throw e;
        }
      } else {
        const info = inspectNcnnParam(spec.path);
        const input = opts.input ?? pm.input;
        // an Input layer without dims takes the size the layers give (default 112x112)
        resolved = resolvePreprocess(pm.layers, sizeOfChw(info.inputShapes[input ?? info.inputs[0] ?? ''] ?? undefined), spec.path);
        if (opts.runner === 'host' || opts.runner === 'arm64') {
          nativeExe ??= await buildNativeRunner(opts.runner, log);
          model = NativeEmbeddingModel.load(opts.runner, nativeExe, spec.path, {
            fp16: spec.fp16 ?? false,
            input,
            output: opts.output ?? pm.output,
            defaultInputShape: [3, resolved.preprocess.height, resolved.preprocess.width],
            processes: threads,
            batch: opts.batch,
          });
        } else {
          pool ??= await startNcnnPool(threads, { python: opts.python });
          model = await NcnnEmbeddingModel.load(pool, spec.path, {
            fp16: spec.fp16 ?? false,
            input,
            output: opts.output ?? pm.output,
            defaultInputShape: [3, resolved.preprocess.height, resolved.preprocess.width],
            batch: opts.batch,
          });
        }
      }
      const { preprocess, from: preprocessFrom } = resolved;
      try {
        const [, h, w] = model.inputShape;
        if (w !== preprocess.width || h !== preprocess.height) throw new Error(`${spec.path}: model input ${w}x${h} but preprocessing ${preprocess.width}x${preprocess.height}`);
        const images = await decodedAt(w, h);
        log(`${model.label}: ${describePreprocess(preprocess)} from ${preprocessFrom}`);
        const emb = await embedSet(model, images, preprocess, { flip: opts.flip, batch: opts.batch });
        const distances = pairDistances(emb.embeddings, emb.dim, set.pairs);
        const result = evaluateVerification(distances, set.pairs.map((p) => p.same), { folds, far: opts.far });
        const precision = pm.quantized ? 'int8' : spec.fp16 ? 'fp16' : 'fp32';
        reports.push({
          path: spec.path,
          label: model.label,
          runtime: model.runtime,
          precision,
          role: precision === 'fp32' ? 'reference' : 'candidate',
          preprocess,
          preprocessFrom,
          dim: emb.dim,
          seconds: emb.seconds,
          result,
        });
        compared.push({
          index,
          embeddings: emb.embeddings,
          dim: emb.dim,
          accuracyMean: result.accuracyMean,
          bestThreshold: result.bestThreshold,
          distances,
        });
        log(`${model.label}: ${(result.accuracyMean * 100).toFixed(2)}% in ${emb.seconds.toFixed(1)} s`);
      } finally {
        await model.close();
      }
    }
  } finally {
    if (pool) await Promise.all(pool.map((r) => r.close().catch(() => undefined)));
  }

  return {
    dataset: { name: set.name, origin: set.origin, pairs: set.pairs.length, images: set.images.length, resized, decodeSeconds },
    flip: !!opts.flip,
    folds,
    models: reports,
    comparisons: pairUp(reports).map(([kind, r, c]) => compareModels(kind, compared[r]!, compared[c]!, set)),
    totalSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Which model is checked against which: every candidate (INT8 or FP16) against the
 * nearest full-precision model before it (else the first one after it); every further
 * full-precision model against the first one, to show that runtimes agree.
 */
export function pairUp(models: Pick<ModelReport, 'role'>[]): ['quantized' | 'agreement', number, number][] {
  const refs = models.map((m, i) => (m.role === 'reference' ? i : -1)).filter((i) => i >= 0);
  const out: ['quantized' | 'agreement', number, number][] = [];
  models.forEach((m, i) => {
    if (m.role === 'candidate') {
      const before = refs.filter((r) => r < i);
      const ref = before.length ? before[before.length - 1] : refs[0];
      if (ref !== undefined) out.push(['quantized', ref, i]);
    } else if (refs[0] !== undefined && i !== refs[0]) {
      out.push(['agreement', refs[0], i]);
    }
  });
  return out;
}
