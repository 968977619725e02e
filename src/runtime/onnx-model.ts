/** ONNX face models in onnxruntime-node. */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { EdgefaceError } from '../errors.js';
import type { EmbeddingModel } from './embedding-model.js';

export interface OnnxModelOptions {
  threads?: number;
  /** Input / output names; default the model's first input and first output. */
  input?: string;
  output?: string;
  /** Batch size to use when the model's batch axis is dynamic. */
  batch?: number;
}

export class OnnxEmbeddingModel implements EmbeddingModel {
  readonly runtime = 'onnxruntime';
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly label: string,
    private readonly input: string,
    private readonly output: string,
    readonly inputShape: [number, number, number],
    /** True when dim 0 of the input is symbolic, so whole batches go in one run. */
    private readonly dynamicBatch: boolean,
    readonly preferredBatch: number,
  ) {}

  static async load(file: string, opts: OnnxModelOptions = {}): Promise<OnnxEmbeddingModel> {
    if (!existsSync(file)) throw new EdgefaceError(`${file}: no such file`);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, {
        intraOpNumThreads: opts.threads ?? os.availableParallelism(),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Spinning intra-op threads collapse throughput when cores are shared (CI, other jobs).
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
    } catch (e) {
      throw new EdgefaceError(`${file}: onnxruntime cannot load this model (${(e as Error).message.split('\n')[0]})`);
    }
    const input = opts.input ?? session.inputNames[0]!;
    const output = opts.output ?? session.outputNames[0]!;
    if (!session.inputNames.includes(input)) {
      throw new EdgefaceError(`${file}: no input named '${input}' (inputs: ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(output)) {
      throw new EdgefaceError(`${file}: no output named '${output}' (outputs: ${session.outputNames.join(', ')})`);
    }
    const meta = session.inputMetadata.find((m) => m.name === input);
    const shape = meta && meta.isTensor ? meta.shape : [];
    if (shape.length !== 4) {
      throw new EdgefaceError(`${file}: input '${input}' must be 4-D NCHW, got [${shape.join(', ')}]`);
    }
    const [b, c, h, w] = shape;
    const chw = [c, h, w].map((d) => (typeof d === 'number' ? d : NaN));
    if (chw.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new EdgefaceError(`${file}: input '${input}' needs fixed C, H, W; got [${shape.join(', ')}]`);
    }
    const dynamicBatch = typeof b !== 'number' || b <= 0;
    if (!dynamicBatch && b !== 1) {
      throw new EdgefaceError(`${file}: input '${input}' has a fixed batch of ${b}; export with batch 1 or a dynamic batch`);
    }
    return new OnnxEmbeddingModel(
      session,
      path.basename(file),
      input,
      output,
      chw as [number, number, number],
      dynamicBatch,
      dynamicBatch ? (opts.batch ?? 32) : 1,
    );
  }

  async embed(batch: Float32Array, n: number): Promise<Float32Array> {
    const [c, h, w] = this.inputShape;
    const per = c * h * w;
    if (batch.length < n * per) throw new Error(`embed: batch holds ${batch.length} floats, ${n} inputs need ${n * per}`);
    const step = this.dynamicBatch ? n : 1;
    const parts: Float32Array[] = [];
    for (let i = 0; i < n; i += step) {
      const m = Math.min(step, n - i);
      const x = new ort.Tensor('float32', batch.subarray(i * per, (i + m) * per), [m, c, h, w]);
      const result = await this.session.run({ [this.input]: x });
      const y = result[this.output]!;
      parts.push(new Float32Array(y.data as Float32Array));
      y.dispose?.();
    }
    if (parts.length === 1) return parts[0]!;
    const dim = parts[0]!.length;
    const out = new Float32Array(n * dim);
    parts.forEach((p, i) => out.set(p, i * dim));
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
