/**
 * Per-layer INT8 sensitivity (embedding cosine vs FP32 when only that layer is INT8) and
 * --auto: the fewest layers to keep FP32 so that the whole model reaches a target cosine.
 */
import type { NcnnModel } from '../../ncnn/model.js';
import type { NcnnRuntime } from '../../runtime/ncnn.js';
import { EmbeddingProbe, mean, min, type ProbeImages } from './embedding-probe.js';
import { writeInt8Model } from '../int8-writer.js';
import type { QuantTable } from '../table.js';

export interface CosineFigures {
  mean: number;
  min: number;
  /**
   * mean - 2 standard errors: --auto asks this of its probe images, so that the target
   * also holds, with about 97.5% confidence, on faces beyond them (the held-out ones).
   */
  lowerBound: number;
}

export interface SensitivityEntry extends CosineFigures {
  layer: string;
  type: string;
}

export interface AutoResult extends CosineFigures {
  target: number;
  keptFp32: string[];
  reached: boolean;
  evaluations: number;
}

export interface SensitivityReport {
  /** Probe images of the all-INT8 figures and of --auto. */
  images: number;
  allInt8: CosineFigures;
  /** The first `rankImages` of them: those of the per-layer figures. */
  rankImages: number;
  /** Most sensitive (lowest cosine) first. */
  layers: SensitivityEntry[];
  auto?: AutoResult;
}

/** Standard errors below the probe mean that --auto still requires to reach the target. */
const CONFIDENCE_Z = 2;

export function figures(c: Float64Array): CosineFigures {
  const m = mean(c);
  let ss = 0;
  for (const v of c) ss += (v - m) ** 2;
  const sd = c.length > 1 ? Math.sqrt(ss / (c.length - 1)) : 0;
  return { mean: m, min: min(c), lowerBound: m - (CONFIDENCE_Z * sd) / Math.sqrt(c.length) };
}

/**
 * Per-layer figures come from the first `rankImages` probe images only: there is one ncnn
 * run per layer (from that layer on), so on a deep model this step is most of --auto's
 * time, and a ranking needs fewer images than a pass/fail decision (which --auto takes on
 * all of them).
 */
export const DEFAULT_RANK_IMAGES = 16;

export async function measureSensitivity(
  probe: EmbeddingProbe,
  model: NcnnModel,
  table: QuantTable,
  opts: { fuseRequantize?: boolean; rankImages?: number; onLayer?: (done: number, total: number) => void } = {},
): Promise<SensitivityReport> {
  const names = [...table.inputScales.keys()];
  const types = new Map(model.layers.map((l) => [l.name, l.type]));
  const all = await probe.cosines(writeInt8Model(model, table, { fuseRequantize: opts.fuseRequantize }).model);
  const ranker = probe.subset(opts.rankImages ?? DEFAULT_RANK_IMAGES);
  // each layer in its INT8 form, as in a model where it alone is INT8: without requantize
  // fusion a layer's INT8 form depends on its own scales only, so one pass writes them all
  const int8 = new Map(writeInt8Model(model, table, { fuseRequantize: false }).model.layers.map((l) => [l.name, l]));
  const swaps = names.map((name) => int8.get(name)!);
  const layers: SensitivityEntry[] = [];
  try {
    const cos = await ranker.cosinesOneLayerInt8(model, swaps, opts.onLayer);
    for (const name of names) layers.push({ layer: name, type: types.get(name) ?? '?', ...figures(cos.get(name)!) });
  } finally {
    if (ranker !== probe) ranker.dispose();
  }
  layers.sort((a, b) => a.mean - b.mean);
  return { images: probe.images.n, allInt8: figures(all), rankImages: ranker.images.n, layers };
}

/**
 * Keeps the k most sensitive layers FP32 for the smallest k whose model reaches `target`
 * mean cosine on the probe images with a margin of two standard errors (lowerBound), so
 * that a model which only just passes on the probes is not taken. k is found by binary
 * search (cosine rises with k as layers go back to FP32, and each step is a real ncnn run,
 * so a few evaluations replace a linear scan).
 */
export async function autoKeepFp32(
  probe: EmbeddingProbe,
  model: NcnnModel,
  table: QuantTable,
  report: SensitivityReport,
  target: number,
  opts: { fuseRequantize?: boolean } = {},
): Promise<AutoResult> {
  const order = report.layers.map((l) => l.layer);
  const evals = new Map<number, CosineFigures>([[0, report.allInt8]]);
  const evaluate = async (k: number): Promise<CosineFigures> => {
    const hit = evals.get(k);
    if (hit) return hit;
    const keep = new Set(order.slice(0, k));
    const m = writeInt8Model(model, table, { keepFp32: keep, fuseRequantize: opts.fuseRequantize }).model;
    const f = k === order.length ? { mean: 1, min: 1, lowerBound: 1 } : figures(await probe.cosines(m));
    evals.set(k, f);
    return f;
  };
  let lo = 0;
  let hi = order.length;
  const reaches = (f: CosineFigures) => f.lowerBound >= target;
  if (reaches(await evaluate(0))) hi = 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reaches(await evaluate(mid))) hi = mid;
    else lo = mid + 1;
  }
  const f = await evaluate(hi);
  return { target, keptFp32: order.slice(0, hi), reached: reaches(f), evaluations: evals.size - 1, ...f };
}

export interface SensitivityRun {
  runtime: NcnnRuntime;
  /** The model's image input and embedding output blobs. */
  input: string;
  output: string;
  images: ProbeImages;
  threads?: number;
  fuseRequantize?: boolean;
  rankImages?: number;
  /** --auto: also choose the layers to keep FP32 so the model reaches this mean cosine. */
  minCosine?: number;
}

/** The sensitivity report of `table` (and --auto's choice when `minCosine` is set). */
export async function sensitivityReport(model: NcnnModel, table: QuantTable, run: SensitivityRun): Promise<SensitivityReport> {
  const probe = new EmbeddingProbe(run.runtime, run.input, run.output, run.images, run.threads);
  try {
    probe.reference = await probe.embed(model);
    const report = await measureSensitivity(probe, model, table, { fuseRequantize: run.fuseRequantize, rankImages: run.rankImages });
    if (run.minCosine !== undefined) {
      report.auto = await autoKeepFp32(probe, model, table, report, run.minCosine, { fuseRequantize: run.fuseRequantize });
    }
    return report;
  } finally {
    probe.dispose();
  }
}

export function formatSensitivity(r: SensitivityReport): string {
  const lines = [
    `INT8 sensitivity on ${r.rankImages} images (embedding cosine vs FP32 with only that layer INT8)`,
    `${'layer'.padEnd(32)} ${'type'.padEnd(22)} ${'mean'.padStart(9)} ${'min'.padStart(9)}`,
  ];
  for (const l of r.layers) {
    lines.push(`${l.layer.padEnd(32)} ${l.type.padEnd(22)} ${l.mean.toFixed(6).padStart(9)} ${l.min.toFixed(6).padStart(9)}`);
  }
  lines.push(`${`all layers INT8 (${r.images} images)`.padEnd(55)} ${r.allInt8.mean.toFixed(6).padStart(9)} ${r.allInt8.min.toFixed(6).padStart(9)}`);
  if (r.auto) {
    const a = r.auto;
    lines.push(
      `--auto --min-cosine ${a.target}: keep ${a.keptFp32.length} layer(s) FP32` +
        (a.keptFp32.length ? ` (${a.keptFp32.join(', ')})` : '') +
        ` -> mean ${a.mean.toFixed(6)} (lower bound ${a.lowerBound.toFixed(6)}), min ${a.min.toFixed(6)}` +
        (a.reached ? '' : ' (target not reached even with every layer FP32)'),
    );
  }
  return lines.join('\n');
}
