/**
 * The real ncnn runtime (PyPI package `ncnn`) behind a persistent Python process
 * (tools/ncnn_runtime/runner.py), so whole data sets stream through one process.
 *
 * General API for everyone who needs ground truth from ncnn (eval, quantizer, converter
 * tests): load a .param/.bin with runtime options, feed arbitrary named input blobs,
 * extract arbitrary named output blobs. Tensors are float32 in ncnn's dense per-sample
 * order: shape [w], [h, w], [c, h, w] or [c, d, h, w] (CHW for images).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { execa, type ResultPromise } from 'execa';
import { EdgefaceError } from '../errors.js';
import { FrameReader } from './frame-reader.js';
import { ncnnRuntimeScript, pythonInterpreter } from './python.js';

export interface NcnnOptions {
  /** ncnn worker threads; default: the machine's available parallelism. */
  threads?: number;
  /** FP16 storage, packing and arithmetic; default false, i.e. true FP32 math. */
  fp16?: boolean;
  /** use_int8_inference (only matters for quantized models); default: ncnn's (on). */
  int8?: boolean;
  lightMode?: boolean;
  /** Any other ncnn.Option attribute by its Python name, e.g. { use_winograd_convolution: false }. */
  raw?: Record<string, number | boolean>;
}

/** One tensor; for batched calls `data` holds n samples of `shape` back to back. */
export interface BlobTensor {
  data: Float32Array;
  shape: number[];
}

/**
 * An input taken from blobs the runner process keeps (NcnnNet.keep) instead of sent again:
 * the blob of the same name kept under `kept`.
 */
export interface KeptBlob {
  kept: string;
}

const isKept = (t: BlobTensor | KeptBlob): t is KeptBlob => 'kept' in t;

export interface NcnnRuntimeOptions {
  /** Python interpreter; default pythonInterpreter() ($EDGEFACE_PYTHON, .venv, python3). */
  python?: string;
}

interface Reply {
  ok: boolean;
  error?: string;
  fatal?: boolean;
  [key: string]: unknown;
}

const shapeSize = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

function asBuffer(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function toFloat32(buf: Buffer): Float32Array {
  const out = new Float32Array(buf.length / 4);
  Buffer.from(out.buffer).set(buf);
  return out;
}

/** One runner process; may hold several loaded nets. */
export class NcnnRuntime {
  private readonly proc: ResultPromise;
  private readonly reader: FrameReader;
  private queue: Promise<unknown> = Promise.resolve();
  private stderrTail = '';
  private spawnError = '';
  private nextId = 0;
  private closed = false;
  readonly python: string;

  private constructor(python: string) {
    this.python = python;
    const script = ncnnRuntimeScript('runner.py');
    if (!existsSync(script)) throw new EdgefaceError(`ncnn runner script missing: ${script}`);
    this.proc = execa(python, [script], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      stripFinalNewline: false,
    });
    // A failed spawn (python missing) surfaces through the stream end message below.
    this.proc.catch(() => undefined);
    this.proc.on('error', (e: Error) => { this.spawnError = e.message; });
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.proc.stdin!.on('error', () => undefined); // EPIPE when the runner died; reported by the reader
    this.reader = new FrameReader(this.proc.stdout!, () => this.deathMessage());
  }

  private deathMessage(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-5).join(' | ');
    const why = this.spawnError ? `could not start: ${this.spawnError}` : 'stopped';
    const hint = this.spawnError ? ' (set EDGEFACE_PYTHON to a Python with the ncnn package)' : '';
    return `the ncnn runner (${this.python} tools/ncnn_runtime/runner.py) ${why}${hint}` + (tail ? `: ${tail}` : '');
  }

  static async start(opts: NcnnRuntimeOptions = {}): Promise<NcnnRuntime> {
    return new NcnnRuntime(opts.python ?? pythonInterpreter());
  }

  /** Serialises requests: the protocol is strictly one request, one reply. */
  private request(header: object, payloads: Float32Array[] = []): Promise<{ reply: Reply; payload?: Buffer }> {
    const job = this.queue.then(async () => {
      if (this.closed) throw new EdgefaceError('ncnn runtime already closed');
      const stdin = this.proc.stdin!;
      const write = (b: Buffer | string) =>
        new Promise<void>((resolve, reject) => {
          const dead = () => reject(new EdgefaceError(this.deathMessage()));
          if (stdin.destroyed || !stdin.writable) return dead();
          if (stdin.write(b)) return resolve();
          const onDrain = () => { stdin.off('close', onClose); resolve(); };
          const onClose = () => { stdin.off('drain', onDrain); dead(); };
          stdin.once('drain', onDrain);
          stdin.once('close', onClose);
        });
      await write(JSON.stringify(header) + '\n');
      for (const p of payloads) await write(asBuffer(p));
      let line: string;
      try {
        line = await this.reader.readLine();
      } catch (e) {
        throw new EdgefaceError((e as Error).message);
      }
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        throw new EdgefaceError(`ncnn runner sent an unreadable reply: ${line.slice(0, 200)}`);
      }
      if (!reply.ok) throw new EdgefaceError(`ncnn: ${reply.error ?? 'unknown error'}`);
      const bytes = typeof reply.bytes === 'number' ? reply.bytes : 0;
      const payload = bytes > 0 ? await this.reader.readBytes(bytes) : undefined;
      return { reply, payload };
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  /** Loads a model; `bin` defaults to the .param path with .bin. */
  async load(param: string, bin?: string, options: NcnnOptions = {}): Promise<NcnnNet> {
    const binPath = bin ?? param.replace(/\.param$/, '') + '.bin';
    if (!existsSync(param)) throw new EdgefaceError(`${param}: no such file`);
    if (!existsSync(binPath)) throw new EdgefaceError(`${binPath}: no such file (weights for ${param})`);
    const id = `m${this.nextId++}`;
    const { reply } = await this.request({
      op: 'load',
      id,
      param,
      bin: binPath,
      options: {
        threads: options.threads ?? os.availableParallelism(),
        fp16: options.fp16 ?? false,
        ...(options.int8 === undefined ? {} : { int8: options.int8 }),
        ...(options.lightMode === undefined ? {} : { lightmode: options.lightMode }),
        ...(options.raw ? { raw: options.raw } : {}),
      },
    });
    return new NcnnNet(this, id, param, binPath, reply.inputs as string[], reply.outputs as string[]);
  }

  /** @internal used by NcnnNet */
  async runRaw(
    id: string,
    n: number,
    inputs: Record<string, BlobTensor | KeptBlob>,
    outputs: string[],
    keep?: string,
  ): Promise<Record<string, BlobTensor>> {
    const sent: Float32Array[] = [];
    const specs = Object.entries(inputs).map(([name, t]) => {
      if (isKept(t)) return { name, kept: t.kept };
      const expected = n * shapeSize(t.shape);
      if (t.data.length !== expected) {
        throw new EdgefaceError(
          `ncnn input '${name}': ${t.data.length} floats given, ${n} x [${t.shape.join(',')}] needs ${expected}`,
        );
      }
      sent.push(t.data);
      return { name, shape: t.shape };
    });
    const { reply, payload } = await this.request({ op: 'run', id, n, inputs: specs, outputs, ...(keep ? { keep } : {}) }, sent);
    const out: Record<string, BlobTensor> = {};
    let offset = 0;
    for (const o of reply.outputs as { name: string; shape: number[] }[]) {
      if (keep) {
        out[o.name] = { data: new Float32Array(0), shape: o.shape };
        continue;
      }
      const len = n * shapeSize(o.shape) * 4;
      out[o.name] = { data: toFloat32(payload!.subarray(offset, offset + len)), shape: o.shape };
      offset += len;
    }
    return out;
  }

  /** Drops the blobs kept under `key`. */
  async forget(key: string): Promise<void> {
    if (!this.closed) await this.request({ op: 'forget', key });
  }

  /** @internal */
  async unload(id: string): Promise<void> {
    if (!this.closed) await this.request({ op: 'close', id });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    this.proc.stdin!.end(JSON.stringify({ op: 'quit' }) + '\n');
    await this.proc;
  }
}

/** A model loaded in a runner process. */
export class NcnnNet {
  private ownsRuntime = false;

  constructor(
    readonly runtime: NcnnRuntime,
    private readonly id: string,
    readonly paramPath: string,
    readonly binPath: string,
    /** Input blobs as ncnn reports them (the Input layers' outputs). */
    readonly inputNames: string[],
    /** Output blobs as ncnn reports them (blobs no layer consumes). */
    readonly outputNames: string[],
  ) {}

  /** One sample: named inputs in, named outputs (default: all model outputs) out. */
  async run(inputs: Record<string, BlobTensor>, outputs?: string[]): Promise<Record<string, BlobTensor>> {
    return this.runBatch(1, inputs, outputs);
  }

  /**
   * n samples in one round trip; each input's `data` holds n samples of its per-sample
   * `shape`, and so does each output. ncnn itself runs them one by one.
   */
  async runBatch(n: number, inputs: Record<string, BlobTensor | KeptBlob>, outputs?: string[]): Promise<Record<string, BlobTensor>> {
    return this.runtime.runRaw(this.id, n, inputs, outputs ?? this.outputNames);
  }

  /**
   * Like runBatch, but the outputs stay in the runner process under `key` (replacing what
   * was kept there), for later runs to take as KeptBlob inputs; resolves with their
   * per-sample shapes.
   */
  async keep(n: number, inputs: Record<string, BlobTensor | KeptBlob>, outputs: string[], key: string): Promise<Record<string, number[]>> {
    const r = await this.runtime.runRaw(this.id, n, inputs, outputs, key);
    return Object.fromEntries(Object.entries(r).map(([name, t]) => [name, t.shape]));
  }

  /** Unloads the model; stops the runner too when it was started by openNcnnNet. */
  async close(): Promise<void> {
    if (this.ownsRuntime) await this.runtime.close();
    else await this.runtime.unload(this.id);
  }

  /** @internal */
  markOwnsRuntime(): this {
    this.ownsRuntime = true;
    return this;
  }
}

/** Convenience: a runner process of its own for one model (closed by net.close()). */
export async function openNcnnNet(
  param: string,
  bin?: string,
  options: NcnnOptions = {},
  runtimeOptions: NcnnRuntimeOptions = {},
): Promise<NcnnNet> {
  const runtime = await NcnnRuntime.start(runtimeOptions);
  try {
    return (await runtime.load(param, bin, options)).markOwnsRuntime();
  } catch (e) {
    await runtime.close().catch(() => undefined);
    throw e;
  }
}
