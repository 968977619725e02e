/** ncnn models run by the native runners (host or arm64 under qemu) as EmbeddingModels. */
import os from 'node:os';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import { embedSharded, type EmbeddingModel } from './embedding-model.js';
import { inspectNcnnParam } from './ncnn-model.js';
import { NativeRunnerProcess, type NativeArch } from './native-runner.js';

export interface NativeModelOptions {
  input?: string;
  output?: string;
  defaultInputShape?: [number, number, number];
  fp16?: boolean;
  /** Runner processes (each one ncnn thread); default: cores. */
  processes?: number;
  batch?: number;
}

export class NativeEmbeddingModel implements EmbeddingModel {
  readonly runtime: string;
  private constructor(
    private readonly procs: NativeRunnerProcess[],
    readonly label: string,
    readonly inputShape: [number, number, number],
    readonly preferredBatch: number,
    readonly quantized: boolean,
    arch: NativeArch,
  ) {
    this.runtime = arch === 'arm64' ? 'ncnn arm64' : 'ncnn host';
  }

  static load(arch: NativeArch, exe: string, paramPath: string, opts: NativeModelOptions = {}): NativeEmbeddingModel {
    const info = inspectNcnnParam(paramPath);
    const input = opts.input ?? info.inputs[0];
    const output = opts.output ?? info.outputs[0];
    if (!input || !output) throw new EdgefaceError(`${paramPath}: no input or output blob found; name them explicitly`);
    const binPath = paramPath.replace(/\.param$/i, '.bin');
    const shape = (info.inputShapes[input] as [number, number, number] | undefined) ?? opts.defaultInputShape ?? [3, 112, 112];
    const count = Math.max(1, opts.processes ?? os.availableParallelism());
    const procs = Array.from({ length: count }, () => new NativeRunnerProcess(arch, exe, paramPath, binPath, input, output, { fp16: opts.fp16 }));
    const flags = [opts.fp16 ? 'fp16' : 'fp32', info.quantized ? 'int8' : ''].filter(Boolean);
    return new NativeEmbeddingModel(procs, `${path.basename(paramPath)} [${flags.join('+')}, ${arch}]`, shape, opts.batch ?? 16 * count, info.quantized, arch);
  }

  embed(batch: Float32Array, n: number): Promise<Float32Array> {
    return embedSharded(this.procs, batch, n, this.inputShape, (p, inputs, m) => p.run(inputs, m, this.inputShape));
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.close()));
  }
}
