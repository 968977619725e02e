/**
 * Where FP32 activations come from during calibration: onnxruntime-node with the wanted
 * tensors added as graph outputs (fast path for ONNX models), or the real ncnn runtime
 * extracting named blobs (for .param/.bin models, and for blobs the ONNX graph lacks).
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { EdgefaceError } from '../../errors.js';
import { ncnnSafeName } from '../../ncnn/names.js';
import { NcnnRuntime, type NcnnNet } from '../../runtime/ncnn.js';
import type { CalibrationBatch } from './images.js';
import { sourceBlob } from '../selection/quantizable.js';
import { nativeLayoutModel } from './onnx-native-layout.js';
import { numel } from '../../ir/tensor.js';

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
  /** [ncnn blob, ONNX tensor to fetch] */
  mapping: Array<[string, string]>;
  dynamicBatch: boolean;
  /** Wanted blobs with no ONNX tensor of that name. */
  missing: string[];
  /**
   * Already optimized by onnxruntime, some tensors fetched in its channel-blocked layout
   * (onnx-native-layout.ts): open without graph optimizations; values are in NCHW order
   * only for blobs not listed in `blocked`.
   */
  optimized?: boolean;
  blocked?: string[];
}

/**
 * Memory that run() may write the fetched tensors into directly (the counting kernel's),
 * so that they are counted where onnxruntime put them instead of being copied there.
 */
export interface OutputArena {
  readonly buffer: ArrayBuffer;
  /**
   * Byte offset of a new block of `bytes`, 16-aligned; the memory is grown so that
   * `headroom` more bytes can be handed out later without moving it (growing a
   * WebAssembly memory detaches every view of it).
   */
  alloc(bytes: number, headroom: number): number;
}

export interface ArenaOptions {
  arena: OutputArena;
  /** Bytes the consumer may still claim from the arena while outputs are live. */
  headroom: number;
}

/** Arena outputs beyond this are fetched instead (a WebAssembly memory ends at 4 GiB). */
const MAX_ARENA_BYTES = 1 << 30;

/** Preallocated outputs in an arena, for one batch size. */
interface ArenaOutputs {
  batch: number;
  at: Map<string, { offset: number; dims: number[] }>;
  buffer: ArrayBuffer;
  tensors: Record<string, ort.Tensor>;
}

export class OnnxActivationSource implements ActivationSource {
  /** Per-sample dims of each fetched tensor, known after the first run. */
  private sampleDims: Map<string, number[]> | undefined;
  private outputs: ArenaOutputs | undefined;
  /** Whether the last run() returned views of the arena. */
  private lastInArena = false;
  /** Runs whose outputs went straight into the arena. */
  runsInArena = 0;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    /** ncnn blob -> ONNX tensor */
    private readonly mapping: Map<string, string>,
    private readonly dynamicBatch: boolean,
    private arena?: ArenaOptions,
  ) {}

  get blobs(): string[] {
    return [...this.mapping.keys()];
  }

  get preferredBatch(): number {
    return onnxPreferredBatch(this.dynamicBatch);
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

  /**
   * Like prepare(), for consumers that only histogram the values (order-free): the model
   * comes optimized, with the exposed tensors fetched in onnxruntime's native layout where
   * that spares a reorder pass (onnx-native-layout.ts). Falls back to prepare()'s model.
   */
  static async prepareForHistograms(file: string, wanted: string[]): Promise<PreparedOnnxModel> {
    const p = OnnxActivationSource.prepare(file, wanted);
    let native;
    try {
      native = await nativeLayoutModel(p.bytes, p.mapping.map(([, t]) => t));
    } catch {
      return p; // onnxruntime could not save its optimized model: the plain one still works
    }
    if (!native) return p;
    const mapping = p.mapping.map(([b, t]): [string, string] => [b, native.renamed.get(t) ?? t]);
    const blocked = p.mapping.filter(([, t]) => native.renamed.has(t)).map(([b]) => b);
    return { ...p, bytes: native.bytes, mapping, optimized: true, blocked };
  }

  /**
   * A session on a prepared model (in this thread; calibration workers each make one).
   * With `arena`, run() writes the fetched tensors into it and returns views of them,
   * valid until the next run().
   */
  static async fromPrepared(p: PreparedOnnxModel, threads: number, arena?: ArenaOptions): Promise<OnnxActivationSource> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(p.bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: p.optimized ? 'disabled' : 'all',
      });
    } catch (e) {
      throw new EdgefaceError(`${p.file}: onnxruntime cannot load this model (${(e as Error).message.split('\n')[0]})`);
    }
    return new OnnxActivationSource(session, p.inputName, new Map(p.mapping), p.dynamicBatch, arena);
  }

  private get fetched(): string[] {
    return [...new Set([...this.mapping.values()].filter((t) => t !== this.inputName))];
  }

  async run(batch: CalibrationBatch): Promise<Map<string, BlobValues>> {
    const chunks = this.dynamicBatch ? [[0, batch.n]] : Array.from({ length: batch.n }, (_, i) => [i, i + 1]);
    // one session run per batch is what preallocated outputs can serve
    const o = chunks.length === 1 ? this.arenaOutputs(batch) : undefined;
    this.lastInArena = o !== undefined;
    if (o) {
      this.runsInArena++;
      return this.runIntoArena(batch, o);
    }
    const per = batch.data.length / batch.n;
    const hw = [batch.shape[1], batch.shape[2]];
    const out = new Map<string, BlobValues>();
    const fetch = this.fetched;
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
    this.sampleDims ??= new Map([...parts].map(([t, p]) => [t, p.shape]));
    return out;
  }

  /**
   * The arena outputs for this batch: allocated once, for the batch size of the first
   * batch after the one that told the output shapes; other sizes (a last, partial batch)
   * and outputs too large for the arena are fetched the usual way.
   */
  private arenaOutputs(batch: CalibrationBatch): ArenaOutputs | undefined {
    if (!this.arena || !this.sampleDims) return undefined;
    let o = this.outputs;
    if (!o) {
      const at = new Map<string, { offset: number; dims: number[] }>();
      let bytes = 0;
      for (const t of this.fetched) {
        const dims = [batch.n, ...this.sampleDims.get(t)!];
        at.set(t, { offset: bytes, dims });
        bytes += numel(dims) * 4;
      }
      if (bytes > MAX_ARENA_BYTES) {
        this.arena = undefined;
        return undefined;
      }
      // the input blob is counted from batch.data, which the consumer copies into the arena
      const base = this.arena.arena.alloc(bytes, this.arena.headroom + batch.data.byteLength);
      for (const v of at.values()) v.offset += base;
      o = this.outputs = { batch: batch.n, at, buffer: new ArrayBuffer(0), tensors: {} };
    }
    if (o.batch !== batch.n) return undefined;
    if (o.buffer !== this.arena.arena.buffer) {
      // first use, or the arena grew since (which detached the old views)
      o.buffer = this.arena.arena.buffer;
      for (const [t, { offset, dims }] of o.at) o.tensors[t] = new ort.Tensor('float32', new Float32Array(o.buffer, offset, numel(dims)), dims);
    }
    return o;
  }

  /** One session run whose outputs land in the arena; returns views of them. */
  private async runIntoArena(batch: CalibrationBatch, o: ArenaOutputs): Promise<Map<string, BlobValues>> {
    const x = new ort.Tensor('float32', batch.data, [batch.n, ...batch.shape]);
    await this.session.run({ [this.inputName]: x }, o.tensors);
    const out = new Map<string, BlobValues>();
    for (const [blob, t] of this.mapping) {
      if (t === this.inputName) out.set(blob, { data: batch.data, shape: [...batch.shape] });
      else out.set(blob, { data: o.tensors[t]!.data as Float32Array, shape: this.sampleDims!.get(t)! });
    }
    return out;
  }

  /**
   * Throws if the arena moved while the views of the last run() were in use: their
   * values would have read as empty. The headroom given to fromPrepared() prevents it.
   */
  assertArenaIntact(): void {
    if (this.lastInArena && this.outputs!.buffer !== this.arena!.arena.buffer) {
      throw new Error('internal: the counting memory grew while activations in it were being counted (headroom too small)');
    }
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
