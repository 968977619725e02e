/**
 * `edgeface build` for one manifest model: convert, quantize (int8), gate on LFW (gate),
 * emit into <outDir>/<name>/. Skipped when the stamp there matches (same input hashes,
 * options and edgeface version, outputs present). The folder is replaced as a whole: the
 * new files are emitted into a staging folder beside it and swapped in by renames.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertAndWrite } from '../convert/convert.js';
import { emitModel } from '../emit/emit.js';
import { hashInputs, refreshIfTouched, stampMatches } from '../emit/stamp.js';
import { EdgefaceError } from '../errors.js';
import { checkGate, runEval } from '../eval/index.js';
import type { ManifestModel } from '../manifest/manifest.js';
import { optionsFromFlags } from '../commands/quantize.js';
import { quantize } from '../quantize/quantize.js';
import { DEFAULT_PERCENTILE } from '../quantize/scales/percentile.js';
import { DEFAULT_METHOD, type ActivationMethod } from '../quantize/scales/registry.js';
import { buildInputFiles, modelBin } from './build-inputs.js';

export interface BuildOutcome {
  name: string;
  dir: string;
  upToDate: boolean;
  files: string[];
}

export interface BuildModelOptions {
  outDir: string;
  /** Folder the stamp's input paths are relative to (the manifest's). */
  baseDir: string;
  log?: (line: string) => void;
}

/** What the outputs depend on besides file contents (paths relative to the manifest). */
function buildOptions(m: ManifestModel, baseDir: string): unknown {
  const rel = (p: string | undefined) => (p === undefined ? undefined : path.relative(baseDir, p));
  return { name: m.name, int8: m.int8, quantize: m.quantize, gate: m.gate && { ...m.gate, lfw: rel(m.gate.lfw) }, outputs: [...m.outputs].sort() };
}

export async function buildModel(m: ManifestModel, o: BuildModelOptions): Promise<BuildOutcome> {
  const log = o.log ?? (() => undefined);
  const dest = path.join(o.outDir, m.name);
  const stampFile = path.join(dest, `${m.name}.stamp.json`);
  const inputFiles = buildInputFiles(m);
  const hashed = await hashInputs(inputFiles);
  const inputs = Object.fromEntries(Object.entries(hashed).map(([f, h]) => [path.relative(o.baseDir, f), h]));
  const options = buildOptions(m, o.baseDir);
  if (stampMatches(stampFile, inputs, options)) {
    const touched = refreshIfTouched(stampFile, inputFiles);
    log(`model "${m.name}": up to date (${dest})${touched ? '; inputs touched with unchanged content, output times refreshed' : ''}`);
    return { name: m.name, dir: dest, upToDate: true, files: [] };
  }

  const work = mkdtempSync(path.join(os.tmpdir(), `edgeface-build-${m.name}-`));
  mkdirSync(o.outDir, { recursive: true });
  const staging = path.join(o.outDir, `.${m.name}.staging-${process.pid}`);
  try {
    let fp32 = { param: m.model, bin: modelBin(m) };
    if (/\.onnx$/i.test(m.model)) {
      fp32 = { param: path.join(work, `${m.name}.param`), bin: path.join(work, `${m.name}.bin`) };
      log(`model "${m.name}": converting ${m.model}`);
      await convertAndWrite(m.model, fp32);
    }
    let final = fp32;
    if (m.int8) {
      const stem = path.join(work, `${m.name}-int8`);
      log(`model "${m.name}": quantizing to INT8 with ${m.calib}`);
      const q = m.quantize;
      const opts = optionsFromFlags(m.model, m.bin, {
        ...q,
        method: (q.method ?? DEFAULT_METHOD) as ActivationMethod,
        percentile: q.percentile ?? DEFAULT_PERCENTILE,
        fuseRequantize: q.fuseRequantize ?? true,
        calib: m.calib,
        out: stem,
        quiet: true,
      });
      await quantize({ ...opts, progress: false, log: undefined });
      final = { param: `${stem}.param`, bin: `${stem}.bin` };
      if (m.gate) await gate(m, fp32.param, final.param, log);
    }
    log(`model "${m.name}": emitting ${m.outputs.join(', ')}`);
    const res = await emitModel({ model: final.param, bin: final.bin, outDir: staging, name: m.name, outputs: m.outputs, stamp: { inputs, options } });
    const old = `${dest}.old-${process.pid}`;
    if (existsSync(dest)) renameSync(dest, old);
    renameSync(staging, dest);
    rmSync(old, { recursive: true, force: true });
    return { name: m.name, dir: dest, upToDate: false, files: res.files.map((f) => path.join(dest, path.basename(f))) };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}

/** LFW accuracy of FP32 vs INT8 through the eval library; a failed limit stops the build. */
async function gate(m: ManifestModel, fp32: string, int8: string, log: (l: string) => void): Promise<void> {
  const g = m.gate!;
  log(`model "${m.name}": gating INT8 against FP32 on ${g.lfw}`);
  const report = await runEval({ models: [fp32, int8], dataset: { lfw: g.lfw } });
  const verdict = checkGate(report, { maxDropPp: g.maxDrop, minCosine: g.minCosine });
  const [ref, cand] = report.models;
  log(`model "${m.name}": LFW accuracy FP32 ${(ref!.result.accuracyMean * 100).toFixed(2)}%, INT8 ${(cand!.result.accuracyMean * 100).toFixed(2)}%`);
  if (!verdict.ok) throw new EdgefaceError(`model "${m.name}": gate failed: ${verdict.failures.join('; ')}`);
}
