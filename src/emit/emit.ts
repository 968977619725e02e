/**
 * `edgeface emit` as a library call: from an ncnn .param/.bin (or an .onnx, converted first)
 * write the files an app embeds into one folder:
 *   <m>.param.bin, <m>.bin, <m>.id.h   ('param-bin': ncnn2mem's binary param and id header)
 *   <m>.mem.h                          ('mem-h': both files as C arrays, as ncnn2mem writes)
 *   edgeface_<m>.h                     ('typed-header': blob ids, size, preprocessing...)
 *   <M>Model.java                      ('java': the same facts for the Android Java API)
 *   edgeface_<m>.swift                 ('swift': the same facts for the Swift API)
 *   <m>.stamp.json                     (inputs' hashes, options, edgeface version)
 * All files are written to temporary names and renamed together at the end.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertOnnxFile } from '../convert/convert.js';
import { EdgefaceError } from '../errors.js';
import type { Preprocess } from '../image/preprocess.js';
import { findSidecar } from '../ncnn/sidecar.js';
import { readNcnnModel, writeNcnnModel } from '../ncnn/io.js';
import { paramTextToBin, type ParamBin } from '../ncnn/param-bin-writer.js';
import { externalDataFiles } from '../onnx/external-files.js';
import { flagsLayer, onnxMetadataLayer, sidecarLayer } from '../runtime/preprocess-layers.js';
import { AtomicFileWriter } from '../util/atomic-write.js';
import { edgefaceVersion } from '../util/version.js';
import { idHeaderText } from './id-header.js';
import { memHeaderPieces } from './mem-header.js';
import { modelFacts, type FactSources } from './model-facts.js';
import { hashInputs, makeStamp, stampText } from './stamp.js';
import { typedHeaderText, type EmbeddedModelSpec } from './typed-header.js';
import { javaConstants, swiftConstants } from '../targets/model-constants.js';

export const EMIT_OUTPUTS = ['param-bin', 'mem-h', 'typed-header', 'java', 'swift'] as const;
export type EmitOutput = (typeof EMIT_OUTPUTS)[number];

export interface EmitOptions {
  /** .param (text, with `bin` or the same-stem .bin) or .onnx. */
  model: string;
  bin?: string;
  outDir: string;
  /** <m>; default the model file's stem with non-alphanumerics as '_'. */
  name?: string;
  outputs?: readonly EmitOutput[];
  /** Input / embedding blob names; default the converter's record, else the graph's. */
  input?: string;
  output?: string;
  preprocess?: Partial<Preprocess>;
  /** What the stamp records instead of this call's own inputs and options (edgeface build). */
  stamp?: { inputs: Record<string, string>; options: unknown };
}

export interface EmitResult {
  name: string;
  files: string[];
  /** Absent when the typed header was not asked for. */
  spec?: EmbeddedModelSpec;
}

export function defaultModelName(file: string): string {
  const stem = path.basename(file).replace(/\.(onnx|param)$/i, '');
  const s = stem.replace(/[^A-Za-z0-9]/g, '_');
  return /^[0-9]/.test(s) ? `m_${s}` : s;
}

export function checkModelName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new EdgefaceError(`model name '${name}' must be a C identifier (letters, digits, '_', not starting with a digit): it names the arrays and namespaces of the headers`);
  }
  return name;
}

interface Source {
  /** Text .param and .bin on disk. */
  param: string;
  bin: string;
  facts: FactSources;
  inputs: string[];
  cleanup: () => void;
}

async function loadSource(o: EmitOptions): Promise<Source> {
  if (!existsSync(o.model)) throw new EdgefaceError(`${o.model}: no such file`);
  const overrides = { input: o.input, output: o.output };
  if (/\.onnx$/i.test(o.model)) {
    const { model, sidecar } = convertOnnxFile(o.model);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-emit-'));
    const param = path.join(dir, 'model.param');
    const bin = path.join(dir, 'model.bin');
    await writeNcnnModel(model, param, bin);
    return {
      param,
      bin,
      facts: { input: overrides.input ?? sidecar.inputs[0]?.name, output: overrides.output ?? sidecar.outputs[0], preprocess: [await onnxMetadataLayer(o.model), flagsLayer(o.preprocess)] },
      inputs: [o.model, ...externalDataFiles(o.model)],
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!/\.param$/i.test(o.model)) throw new EdgefaceError(`${o.model}: expected an ncnn .param (text) or an .onnx model`);
  const bin = o.bin ?? o.model.replace(/\.param$/i, '.bin');
  if (!existsSync(bin)) throw new EdgefaceError(`${bin}: no such file (the .bin of ${o.model}; pass it as the second argument)`);
  const sc = findSidecar(o.model);
  return {
    param: o.model,
    bin,
    facts: { input: overrides.input ?? sc?.sidecar.inputs[0]?.name, output: overrides.output ?? sc?.sidecar.outputs[0], preprocess: [sidecarLayer(sc), flagsLayer(o.preprocess)] },
    inputs: [o.model, bin, ...(sc ? [sc.file] : [])],
    cleanup: () => undefined,
  };
}

/** The typed header's content: blob ids are indices in the binary param `pb`. */
async function modelSpec(name: string, src: Source, pb: ParamBin, bin: Buffer): Promise<EmbeddedModelSpec> {
  const facts = await modelFacts(readNcnnModel(src.param), src.param, src.bin, src.facts);
  const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const index = (blob: string) => {
    const i = pb.blobs.indexOf(latin1(blob));
    if (i < 0) throw new EdgefaceError(`${src.param}: blob '${blob}' is not in the model`);
    return i;
  };
  const pre = facts.preprocess;
  return {
    name,
    inputBlob: index(facts.input),
    outputBlob: index(facts.output),
    inputName: facts.input,
    outputName: facts.output,
    inputWidth: facts.inputWidth,
    inputHeight: facts.inputHeight,
    pixelOrder: pre.color,
    mean: [...pre.mean],
    norm: pre.std.map((s) => 1 / s) as [number, number, number],
    embeddingSize: facts.embeddingSize,
    int8: facts.int8,
    sha256: createHash('sha256').update(pb.bytes).update(bin).digest('hex'),
    edgefaceVersion: edgefaceVersion(),
  };
}

export async function emitModel(o: EmitOptions): Promise<EmitResult> {
  const name = checkModelName(o.name ?? defaultModelName(o.model));
  const outputs = new Set(o.outputs ?? EMIT_OUTPUTS);
  const src = await loadSource(o);
  try {
    const paramBytes = readFileSync(src.param);
    const bin = readFileSync(src.bin);
    const pb = paramTextToBin(paramBytes.toString('latin1'), o.model.endsWith('.onnx') ? `${o.model} (converted)` : src.param);
    const needsSpec = outputs.has('typed-header') || outputs.has('java') || outputs.has('swift');
    const spec = needsSpec ? await modelSpec(name, src, pb, bin) : undefined;

    mkdirSync(o.outDir, { recursive: true });
    const f = {
      paramBin: `${name}.param.bin`,
      bin: `${name}.bin`,
      id: `${name}.id.h`,
      mem: `${name}.mem.h`,
      typed: `edgeface_${name}.h`,
      stamp: `${name}.stamp.json`,
    };
    const taken = new Set(src.inputs.map((p) => path.resolve(p)));
    const pending: AtomicFileWriter[] = [];
    const sizes: Record<string, number> = {};
    const open = (file: string): AtomicFileWriter => {
      const target = path.join(o.outDir, file);
      if (taken.has(path.resolve(target))) throw new EdgefaceError(`${target}: is an input of this emit; choose another -o folder or --name`);
      const w = new AtomicFileWriter(target);
      pending.push(w);
      return w;
    };
    const put = (file: string, data: Uint8Array | string) => {
      const w = open(file);
      w.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
      sizes[file] = w.bytesWritten;
    };
    try {
      if (outputs.has('param-bin')) {
        put(f.paramBin, pb.bytes);
        put(f.bin, bin);
        // ncnn2mem is given <m>.param: the namespace is <m>_param_id
        put(f.id, idHeaderText(pb, `${name}.param`, f.id));
      }
      if (outputs.has('mem-h')) {
        const w = open(f.mem);
        for (const piece of memHeaderPieces(pb.bytes, bin, { paramBinFile: f.paramBin, binFile: f.bin, memFile: f.mem })) w.write(Buffer.from(piece, 'latin1'));
        sizes[f.mem] = w.bytesWritten;
      }
      if (spec && outputs.has('typed-header')) put(f.typed, typedHeaderText(spec));
      if (spec && outputs.has('java')) {
        const j = javaConstants(spec);
        put(j.fileName, j.text);
      }
      if (spec && outputs.has('swift')) {
        const sw = swiftConstants(spec);
        put(sw.fileName, sw.text);
      }
      const stampInputs = o.stamp?.inputs ?? (await hashInputs(src.inputs));
      const stampOptions = o.stamp?.options ?? { name, outputs: [...outputs].sort(), input: o.input, output: o.output, preprocess: o.preprocess };
      put(f.stamp, stampText(makeStamp(stampInputs, stampOptions, Object.fromEntries(Object.entries(sizes)))));
    } catch (e) {
      for (const w of pending) w.abort();
      throw e;
    }
    for (const w of pending) w.commit();
    return { name, files: pending.map((w) => w.target), spec };
  } finally {
    src.cleanup();
  }
}
