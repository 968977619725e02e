/**
 * `edgeface eval` as a library call: load the verification set, decode each image once,
 * run every model over it, score the protocol, and compare each reduced-precision model
 * with its FP32 source.
 */
import os from 'node:os';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import {
  DEFAULT_PREPROCESS,
  describePreprocess,
  preprocessFromMetadata,
  resolvePreprocess,
  type Preprocess,
} from '../image/preprocess.js';
import type { EmbeddingModel } from '../runtime/embedding-model.js';
import type { NcnnRuntime } from '../runtime/ncnn.js';
import { NcnnEmbeddingModel, startNcnnPool, inspectNcnnParam } from '../runtime/ncnn-model.js';
import { readOnnxMetadata } from '../runtime/onnx-metadata.js';
import { OnnxEmbeddingModel } from '../runtime/onnx-model.js';
import { packageRoot } from '../runtime/package-root.js';
import { loadBinSet } from './bin-set.js';
import { compareModels, type Comparison, type ComparedModel } from './compare.js';
import { decodeSet, type DecodedSet } from './decode-set.js';
import { embedSet } from './embed-set.js';
import { loadLfwPairs } from './lfw-pairs.js';
import { parseModelSpec, type ModelSpec } from './model-spec.js';
import { evaluateVerification, pairDistances, type ProtocolResult } from './protocol.js';
import { readNcnnSidecar } from './sidecar.js';
import type { VerificationSet } from './verification-set.js';

export type DatasetSpec = { lfw: string; pairs?: string } | { bin: string };

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

export function loadDataset(spec: DatasetSpec): VerificationSet {
  return 'bin' in spec ? loadBinSet(spec.bin) : loadLfwPairs({ dir: spec.lfw, pairs: spec.pairs });
}

interface PreparedModel {
  spec: ModelSpec;
  preprocess: Preprocess;
  preprocessFrom: string;
  quantized: boolean;
  /** ncnn blob names from the converter's sidecar. */
  input?: string;
  output?: string;
}

async function preparePreprocess(specs: ModelSpec[], overrides: Partial<Preprocess> | undefined): Promise<PreparedModel[]> {
  const onnxMeta = new Map<string, Partial<Preprocess>>();
  for (const s of specs.filter((x) => x.format === 'onnx')) {
    onnxMeta.set(s.path, preprocessFromMetadata(await readOnnxMetadata(s.path), s.path));
  }
  const companion = specs.find((s) => s.format === 'onnx' && Object.keys(onnxMeta.get(s.path)!).length > 0);
  const flagged = overrides && Object.values(overrides).some((v) => v !== undefined);
  return specs.map((spec) => {
    const layers: Partial<Preprocess>[] = [];
    const from: string[] = [];
    let quantized = false;
    let sidecar: ReturnType<typeof readNcnnSidecar>;
    if (spec.format === 'onnx') {
      const meta = onnxMeta.get(spec.path)!;
      if (Object.keys(meta).length) layers.push(meta), from.push('ONNX metadata');
    } else {
      quantized = inspectNcnnParam(spec.path).quantized;
      if (companion) layers.push(onnxMeta.get(companion.path)!), from.push(`metadata of ${path.basename(companion.path)}`);
      const side = readNcnnSidecar(spec.path);
      if (side?.preprocess) layers.push(side.preprocess), from.push(path.basename(side.file));
      sidecar = side;
    }
    if (flagged) layers.push(overrides!), from.push('flags');
    if (spec.preprocess) layers.push(spec.preprocess), from.push('model spec');
    return {
      spec,
      preprocess: resolvePreprocess(DEFAULT_PREPROCESS, ...layers),
      preprocessFrom: from.length ? from.join(' + ') : 'default (arcface)',
      quantized,
      input: sidecar?.input,
      output: sidecar?.output,
    };
  });
}

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
  const reports: ModelReport[] = [];
  const compared: ComparedModel[] = [];
  try {
    for (const [index, pm] of prepared.entries()) {
      const { spec, preprocess } = pm;
      let model: EmbeddingModel;
      if (spec.format === 'onnx') {
        model = await OnnxEmbeddingModel.load(spec.path, { threads, input: opts.input, output: opts.output, batch: opts.batch });
      } else {
        pool ??= await startNcnnPool(threads, { python: opts.python });
        model = await NcnnEmbeddingModel.load(pool, spec.path, {
          fp16: spec.fp16 ?? false,
          input: opts.input ?? pm.input,
          output: opts.output ?? pm.output,
          defaultInputShape: [3, preprocess.inputSize[1], preprocess.inputSize[0]],
          batch: opts.batch,
        });
      }
      try {
        const [, h, w] = model.inputShape;
        if (w !== preprocess.inputSize[0] || h !== preprocess.inputSize[1]) {
          // The model's own input shape wins over a default crop size.
          preprocess.inputSize = [w, h];
        }
        const images = await decodedAt(w, h);
        log(`${model.label}: ${describePreprocess(preprocess)} from ${pm.preprocessFrom}`);
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
          preprocessFrom: pm.preprocessFrom,
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
