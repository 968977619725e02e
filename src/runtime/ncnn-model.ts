/** ncnn face models (real ncnn runtime through the batch runner) as EmbeddingModels. */
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { parseParamText } from '../ncnn/param-reader.js';
import { embedSharded, type EmbeddingModel } from './embedding-model.js';
import { NcnnRuntime, type NcnnNet, type NcnnOptions, type NcnnRuntimeOptions } from './ncnn.js';

/** Layer kinds ncnn quantizes; key 8 (int8_scale_term) is non-zero once they are INT8. */
const QUANTIZABLE = new Set(['Convolution', 'ConvolutionDepthWise', 'InnerProduct', 'Convolution1D', 'Deconvolution']);

export interface NcnnParamInfo {
  /** Outputs of the Input layers, in order. */
  inputs: string[];
  /** Input layers' declared shapes ([c, h, w] where given by keys 2, 1, 0; else undefined). */
  inputShapes: Record<string, number[] | undefined>;
  /** Blobs no layer consumes, in layer order (the last layer's output first if several). */
  outputs: string[];
  /** True when some layer carries int8 weights (int8_scale_term set). */
  quantized: boolean;
}

export function inspectNcnnParam(paramPath: string): NcnnParamInfo {
  let text: string;
  try {
    text = readFileSync(paramPath, 'utf8');
  } catch {
    throw new EdgefaceError(`${paramPath}: no such file`);
  }
  const layers = parseParamText(text, paramPath);
  const consumed = new Set(layers.flatMap((l) => l.inputs));
  const inputs: string[] = [];
  const inputShapes: Record<string, number[] | undefined> = {};
  for (const l of layers.filter((x) => x.type === 'Input')) {
    for (const o of l.outputs) {
      inputs.push(o);
      const get = (k: number) => {
        const v = l.params.get(k);
        return v && v.kind === 'int' ? v.value : 0;
      };
      const [w, h, c] = [get(0), get(1), get(2)];
      inputShapes[o] = w > 0 && h > 0 && c > 0 ? [c, h, w] : undefined;
    }
  }
  const outputs = layers.flatMap((l) => l.outputs).filter((b) => !consumed.has(b));
  const last = layers[layers.length - 1]?.outputs[0];
  if (last && outputs.includes(last)) outputs.splice(outputs.indexOf(last), 1), outputs.unshift(last);
  const quantized = layers.some((l) => {
    if (!QUANTIZABLE.has(l.type)) return false;
    const v = l.params.get(8);
    return !!v && v.kind === 'int' && v.value !== 0;
  });
  return { inputs, inputShapes, outputs, quantized };
}

export interface NcnnModelOptions extends NcnnOptions {
  input?: string;
  output?: string;
  /** [c, h, w]; default from the Input layer, else defaultInputShape, else 3 x 112 x 112. */
  inputShape?: [number, number, number];
  defaultInputShape?: [number, number, number];
  /** Samples per call to embed() (split across the runner processes). */
  batch?: number;
}

/**
 * One model loaded in every runner process of a pool; each batch is split across them.
 * Sample-level parallelism with one ncnn thread per process keeps throughput when the
 * cores are shared with other work, where ncnn's OpenMP threads stall badly.
 */
export class NcnnEmbeddingModel implements EmbeddingModel {
  readonly runtime = 'ncnn';
  private constructor(
    private readonly nets: NcnnNet[],
    readonly label: string,
    private readonly input: string,
    private readonly output: string,
    readonly inputShape: [number, number, number],
    readonly preferredBatch: number,
    readonly quantized: boolean,
  ) {}

  static async load(runtimes: NcnnRuntime | NcnnRuntime[], paramPath: string, opts: NcnnModelOptions = {}): Promise<NcnnEmbeddingModel> {
    const pool = Array.isArray(runtimes) ? runtimes : [runtimes];
    if (pool.length === 0) throw new Error('NcnnEmbeddingModel.load: no runtime');
    const info = inspectNcnnParam(paramPath);
    const input = opts.input ?? info.inputs[0];
    const output = opts.output ?? info.outputs[0];
    if (!input) throw new EdgefaceError(`${paramPath}: no Input layer; name the input blob explicitly`);
    if (!output) throw new EdgefaceError(`${paramPath}: no output blob found; name it explicitly`);
    if (opts.input && !info.inputs.includes(opts.input)) {
      throw new EdgefaceError(`${paramPath}: no input blob '${opts.input}' (Input layers give: ${info.inputs.join(', ')})`);
    }
    const shape =
      opts.inputShape ?? (info.inputShapes[input] as [number, number, number] | undefined) ?? opts.defaultInputShape ?? [3, 112, 112];
    const nets: NcnnNet[] = [];
    try {
      for (const rt of pool) nets.push(await rt.load(paramPath, undefined, { threads: 1, ...opts }));
    } catch (e) {
      await Promise.all(nets.map((n) => n.close().catch(() => undefined)));
      throw e;
    }
    const quantized = info.quantized && opts.int8 !== false;
    const flags = [opts.fp16 ? 'fp16' : 'fp32', quantized ? 'int8' : ''].filter(Boolean);
    return new NcnnEmbeddingModel(nets, `${path.basename(paramPath)} [${flags.join('+')}]`, input, output, shape, opts.batch ?? 16 * pool.length, quantized);
  }

  embed(batch: Float32Array, n: number): Promise<Float32Array> {
    return embedSharded(this.nets, batch, n, this.inputShape, async (net, inputs, m) => {
      const out = await net.runBatch(m, { [this.input]: { data: inputs, shape: this.inputShape } }, [this.output]);
      return out[this.output]!.data;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.nets.map((n) => n.close()));
  }
}

/** Starts `count` runner processes (default: one per core) for NcnnEmbeddingModel.load. */
export async function startNcnnPool(count = os.availableParallelism(), opts: NcnnRuntimeOptions = {}): Promise<NcnnRuntime[]> {
  return Promise.all(Array.from({ length: Math.max(1, count) }, () => NcnnRuntime.start(opts)));
}
