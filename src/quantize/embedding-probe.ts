/**
 * Embedding cosine between model variants in the real ncnn runtime: the yardstick of the
 * sensitivity report and of --auto. Variants are written to a temp folder and loaded with
 * use_int8_inference on, as an app would run them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNcnnModel } from '../ncnn/io.js';
import type { NcnnModel } from '../ncnn/model.js';
import type { NcnnRuntime } from '../runtime/ncnn.js';

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
    const stem = path.join(this.dir, `m${this.counter++}`);
    await writeNcnnModel(model, `${stem}.param`, `${stem}.bin`, { fp16: opts.fp16 });
    const net = await this.runtime.load(`${stem}.param`, `${stem}.bin`, { int8: true, fp16: false, threads: this.threads });
    try {
      const r = await net.runBatch(this.images.n, { [this.input]: { data: this.images.data, shape: this.images.shape } }, [this.output]);
      return r[this.output]!.data;
    } finally {
      await net.close();
      rmSync(`${stem}.param`, { force: true });
      rmSync(`${stem}.bin`, { force: true });
    }
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
