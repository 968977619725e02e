/**
 * Embedding cosine between model variants in the real ncnn runtime: the yardstick of the
 * sensitivity report and of --auto. Variants are written to a temp folder and loaded with
 * use_int8_inference on, as an app would run them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CrossingBlobs } from '../../ncnn/crossing-blobs.js';
import { writeNcnnModel } from '../../ncnn/io.js';
import { layer, type NcnnLayer, type NcnnModel } from '../../ncnn/model.js';
import type { KeptBlob, NcnnNet, NcnnRuntime } from '../../runtime/ncnn.js';

export interface ProbeImages {
  data: Float32Array;
  n: number;
  shape: [number, number, number];
}

export function cosineRows(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const d = a.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let k = i * d; k < (i + 1) * d; k++) {
      ab += a[k]! * b[k]!;
      aa += a[k]! * a[k]!;
      bb += b[k]! * b[k]!;
    }
    out[i] = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : aa === bb ? 1 : 0;
  }
  return out;
}

export const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((s, x) => s + x, 0) / xs.length;
export const min = (xs: ArrayLike<number>): number => Math.min(...Array.from(xs));

export class EmbeddingProbe {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-probe-'));
  private counter = 0;
  reference?: Float32Array;

  constructor(
    private readonly runtime: NcnnRuntime,
    readonly input: string,
    readonly output: string,
    readonly images: ProbeImages,
    private readonly threads?: number,
  ) {}

  async embed(model: NcnnModel, opts: { fp16?: boolean } = {}): Promise<Float32Array> {
    return this.withNet(model, async (net) => {
      const r = await net.runBatch(this.images.n, { [this.input]: { data: this.images.data, shape: this.images.shape } }, [this.output]);
      return r[this.output]!.data;
    }, opts);
  }

  /** Writes `model`, loads it as an app would (INT8 on, FP16 off) and unloads it after `use`. */
  private async withNet<T>(model: NcnnModel, use: (net: NcnnNet) => Promise<T>, opts: { fp16?: boolean } = {}): Promise<T> {
    const stem = path.join(this.dir, `m${this.counter++}`);
    await writeNcnnModel(model, `${stem}.param`, `${stem}.bin`, { fp16: opts.fp16 });
    try {
      const net = await this.runtime.load(`${stem}.param`, `${stem}.bin`, { int8: true, fp16: false, threads: this.threads });
      try {
        return await use(net);
      } finally {
        await net.close();
      }
    } finally {
      rmSync(`${stem}.param`, { force: true });
      rmSync(`${stem}.bin`, { force: true });
    }
  }

  /**
   * Per-image cosines of `fp32` with one layer at a time swapped for its INT8 form (every
   * other layer FP32), for each of `swaps`; the same figures as cosines() of each such model,
   * without writing and loading a whole model per layer. The FP32 net, loaded once, runs up
   * to the layer (the blobs crossing that point stay in the runner, and the next layer's run
   * starts from them); a one-layer net runs the layer in INT8; the FP32 net runs on from its
   * output. The layers before it are FP32 in the swapped model too, so this is the same
   * computation, bit for bit (tested), but each layer's prefix is not run again, and on a
   * deep model loading a whole model per layer took as long as running it.
   */
  async cosinesOneLayerInt8(
    fp32: NcnnModel,
    swaps: NcnnLayer[],
    onLayer?: (done: number, total: number) => void,
  ): Promise<Map<string, Float64Array>> {
    const reference = this.reference;
    if (!reference) throw new Error('EmbeddingProbe: set the FP32 reference first');
    const at = new Map(fp32.layers.map((l, i) => [l.name, i]));
    const order = [...swaps].sort((a, b) => at.get(a.name)! - at.get(b.name)!);
    const cut = new CrossingBlobs(fp32);
    const n = this.images.n;
    // keys of this probe's own, in case another probe shares the runner
    const FP32 = `${path.basename(this.dir)}:fp32`;
    const INT8 = `${path.basename(this.dir)}:int8`;
    const kept = (key: string, blobs: string[]): Record<string, KeptBlob> => Object.fromEntries(blobs.map((b) => [b, { kept: key }]));
    const out = new Map<string, Float64Array>();
    await this.withNet(fp32, async (net) => {
      let state: Record<string, KeptBlob | { data: Float32Array; shape: number[] }> = { [this.input]: { data: this.images.data, shape: this.images.shape } };
      try {
        for (const swap of order) {
          const j = at.get(swap.name);
          if (j === undefined) throw new Error(`EmbeddingProbe: no layer ${swap.name} in the FP32 model`);
          // FP32 from the previous cut to this one
          const before = cut.at(j);
          await net.keep(n, state, before, FP32);
          state = kept(FP32, before);
          const one: NcnnModel = { layers: [...swap.inputs.map((b) => layer('Input', `${b}.input`, [], [b])), swap] };
          const after = cut.at(j + 1);
          const emb = await this.withNet(one, async (single) => {
            if (swap.outputs.includes(this.output)) return (await single.runBatch(n, kept(FP32, swap.inputs), [this.output]))[this.output]!.data;
            // a layer the embedding does not depend on changes nothing
            if (!after.some((b) => swap.outputs.includes(b))) return reference;
            await single.keep(n, kept(FP32, swap.inputs), swap.outputs, INT8);
            const from = Object.fromEntries(after.map((b) => [b, { kept: swap.outputs.includes(b) ? INT8 : FP32 }]));
            return (await net.runBatch(n, from, [this.output]))[this.output]!.data;
          });
          out.set(swap.name, cosineRows(reference, emb, n));
          onLayer?.(out.size, order.length);
        }
      } finally {
        await this.runtime.forget(FP32);
        await this.runtime.forget(INT8);
      }
    });
    return out;
  }

  /** A probe on the first `n` of these images (same runtime and reference); dispose it too. */
  subset(n: number): EmbeddingProbe {
    if (n >= this.images.n) return this;
    const per = this.images.data.length / this.images.n;
    const sub = new EmbeddingProbe(this.runtime, this.input, this.output, { data: this.images.data.subarray(0, n * per), n, shape: this.images.shape }, this.threads);
    if (this.reference) sub.reference = this.reference.subarray(0, (this.reference.length / this.images.n) * n);
    return sub;
  }

  /** Per-image cosine of `model`'s embeddings against the FP32 reference. */
  async cosines(model: NcnnModel): Promise<Float64Array> {
    if (!this.reference) throw new Error('EmbeddingProbe: set the FP32 reference first');
    return cosineRows(this.reference, await this.embed(model), this.images.n);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
