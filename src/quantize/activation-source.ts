/**
 * Where FP32 activations come from during calibration: onnxruntime-node with the wanted
 * tensors added as graph outputs (fast path for ONNX models), or the real ncnn runtime
 * extracting named blobs (for .param/.bin models, and for blobs the ONNX graph lacks).
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { EdgefaceError } from '../errors.js';
import { ncnnSafeName } from '../ncnn/names.js';
import { NcnnRuntime, type NcnnNet } from '../runtime/ncnn.js';
import type { CalibrationBatch } from './calibration-images.js';
import { sourceBlob } from './quantizable.js';

const onnx = onnxProto.onnx;

/** n samples of one blob, back to back; `shape` is per sample. */
export interface BlobValues {
  data: Float32Array;
  shape: number[];
}

export interface ActivationSource {
  /** The ncnn blob names this source delivers. */
  readonly blobs: string[];
  /** Images per run() that suit this source (a static-batch model runs one at a time). */
  readonly preferredBatch: number;
  run(batch: CalibrationBatch): Promise<Map<string, BlobValues>>;
  close(): Promise<void>;
}

/** Names of all tensors an ONNX graph computes or takes in. */
function onnxTensorNames(model: onnxProto.onnx.ModelProto): Set<string> {
  const g = model.graph!;
  const names = new Set<string>();
  for (const i of g.input ?? []) names.add(i.name!);
  for (const n of g.node ?? []) for (const o of n.output ?? []) if (o) names.add(o);
  for (const t of g.initializer ?? []) names.delete(t.name!);
  return names;
}

/** Images per onnxruntime run: a static batch of 1 runs image by image (which also spares
 * concatenating outputs); a dynamic batch takes 8. */
export function onnxPreferredBatch(dynamicBatch: boolean): number {
  return dynamicBatch ? 8 : 1;
}

/** An ONNX model with the wanted blobs exposed, ready to open a session on (cloneable). */
export interface PreparedOnnxModel {
  file: string;
  bytes: Uint8Array;
  inputName: string;
  /** [ncnn blob, ONNX tensor] */
  mapping: Array<[string, string]>;
  dynamicBatch: boolean;
  /** Wanted blobs with no ONNX tensor of that name. */
  missing: string[];
}

export class OnnxActivationSource implements ActivationSource {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    /** ncnn blob -> ONNX tensor */
    private readonly mapping: Map<string, string>,
    private readonly dynamicBatch: boolean,
  ) {}

  get blobs(): string[] {
    return [...this.mapping.keys()];
  }

  get preferredBatch(): number {
    return onnxPreferredBatch(this.dynamicBatch);
  }

  /**
   * Opens `file` with every wanted blob exposed as an output. Returns the source and the
   * blobs it cannot deliver (no ONNX tensor of that name).
   */
  static async open(file: string, wanted: string[], threads = os.availableParallelism()): Promise<{ source: OnnxActivationSource; missing: string[] }> {
    const prepared = OnnxActivationSource.prepare(file, wanted);
    return { source: await OnnxActivationSource.fromPrepared(prepared, threads), missing: prepared.missing };
  }

  /** Reads `file` and adds every wanted blob's tensor to its outputs (no session yet). */
  static prepare(file: string, wanted: string[]): PreparedOnnxModel {
    let model: onnxProto.onnx.ModelProto;
    try {
      model = onnx.ModelProto.decode(readFileSync(file));
    } catch (e) {
      throw new EdgefaceError(`${file}: not a readable ONNX model (${(e as Error).message})`);
    }
    const g = model.graph;
    if (!g) throw new EdgefaceError(`${file}: ONNX model has no graph`);
    // the converter names blobs ncnnSafeName(tensor) (+ _splitncnn_<i> behind a Split)
    const tensors = new Map([...onnxTensorNames(model)].map((t) => [ncnnSafeName(t), t]));
    const mapping = new Map<string, string>();
    const missing: string[] = [];
    for (const b of wanted) {
      const t = tensors.get(sourceBlob(b)) ?? tensors.get(b);
      if (t !== undefined) mapping.set(b, t);
      else missing.push(b);
    }
    const outputs = new Set((g.output ?? []).map((o) => o.name!));
    const inits = new Set((g.initializer ?? []).map((t) => t.name!));
    const graphInputs = (g.input ?? []).filter((i) => !inits.has(i.name!));
    if (graphInputs.length !== 1) throw new EdgefaceError(`${file}: calibration needs a model with one image input, found ${graphInputs.length}`);
    const input = graphInputs[0]!;
    for (const t of new Set(mapping.values())) {
      // graph inputs are fed, not fetched; ORT cannot list them as outputs
      if (!outputs.has(t) && t !== input.name) g.output!.push(onnx.ValueInfoProto.create({ name: t, type: { tensorType: { elemType: 1 } } }));
    }
    const dims = input.type?.tensorType?.shape?.dim ?? [];
    const dynamicBatch = dims.length > 0 && !(Number(dims[0]!.dimValue ?? 0) > 0);
    return { file, bytes: onnx.ModelProto.encode(model).finish(), inputName: input.name!, mapping: [...mapping], dynamicBatch, missing };
  }

  /** A session on a prepared model (in this thread; calibration workers each make one). */
  static async fromPrepared(p: PreparedOnnxModel, threads: number): Promise<OnnxActivationSource> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(p.bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw new EdgefaceError(`${p.file}: onnxruntime cannot load this model (${(e as Error).message.split('\n')[0]})`);
    }
    return new OnnxActivationSource(session, p.inputName, new Map(p.mapping), p.dynamicBatch);
  }

  async run(batch: CalibrationBatch): Promise<Map<string, BlobValues>> {
    const per = batch.data.length / batch.n;
    const hw = [batch.shape[1], batch.shape[2]];
    const out = new Map<string, BlobValues>();
    const fetch = [...new Set([...this.mapping.values()].filter((t) => t !== this.inputName))];
    const chunks = this.dynamicBatch ? [[0, batch.n]] : Array.from({ length: batch.n }, (_, i) => [i, i + 1]);
    const parts = new Map<string, { arrays: Float32Array[]; shape: number[] }>();
    for (const [a, b] of chunks as Array<[number, number]>) {
      const x = new ort.Tensor('float32', batch.data.subarray(a * per, b * per), [b - a, 3, hw[0]!, hw[1]!]);
      const res = await this.session.run({ [this.inputName]: x }, fetch);
      for (const t of fetch) {
        const v = res[t]!;
        const arr = parts.get(t) ?? { arrays: [], shape: v.dims.slice(1) as number[] };
        arr.arrays.push(v.data as Float32Array);
        parts.set(t, arr);
      }
    }
    for (const [blob, t] of this.mapping) {
      if (t === this.inputName) {
        out.set(blob, { data: batch.data, shape: [3, hw[0]!, hw[1]!] });
        continue;
      }
      const p = parts.get(t)!;
      out.set(blob, { data: p.arrays.length === 1 ? p.arrays[0]! : concat(p.arrays), shape: p.shape });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Blobs extracted from the real ncnn runtime (FP32 inference). */
export class NcnnActivationSource implements ActivationSource {
  readonly preferredBatch = 8;

  private constructor(
    private readonly runtime: NcnnRuntime,
    private readonly net: NcnnNet,
    private readonly inputName: string,
    readonly blobs: string[],
    private readonly ownsRuntime: boolean,
  ) {}

  static async open(param: string, bin: string, inputName: string, blobs: string[], runtime?: NcnnRuntime): Promise<NcnnActivationSource> {
    const rt = runtime ?? (await NcnnRuntime.start());
    const net = await rt.load(param, bin, { fp16: false, int8: false, lightMode: false });
    return new NcnnActivationSource(rt, net, inputName, blobs, !runtime);
  }

  async run(batch: CalibrationBatch): Promise<Map<string, BlobValues>> {
    const res = await this.net.runBatch(batch.n, { [this.inputName]: { data: batch.data, shape: batch.shape } }, this.blobs);
    return new Map(this.blobs.map((b) => [b, res[b]!]));
  }

  async close(): Promise<void> {
    await this.net.close();
    if (this.ownsRuntime) await this.runtime.close();
  }
}
