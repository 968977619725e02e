/**
 * ncnn built from source and run natively through targets/cpp's ncnn-float-runner: on the
 * host, or cross-compiled for aarch64 and run under qemu-aarch64 (the NEON FP32 and int8
 * kernels phones run). `edgeface eval --runner host|arm64` scores models this way.
 * The build is targets/cpp/build-tools.sh (cached in .cache/; the first one takes minutes).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { EdgefaceError } from '../errors.js';
import { FrameReader } from './frame-reader.js';
import { packageRoot } from './package-root.js';

export type NativeArch = 'host' | 'arm64';

/** Sysroot qemu-aarch64 loads the dynamic linker and libraries from (Debian's cross libc). */
export const QEMU_SYSROOT = '/usr/aarch64-linux-gnu';

const buildArch = (arch: NativeArch) => (arch === 'arm64' ? 'aarch64' : 'host');

/** Builds (or finds up to date) the runner for arch; returns its path. */
export async function buildNativeRunner(arch: NativeArch, log?: (line: string) => void): Promise<string> {
  const script = path.join(packageRoot(), 'targets', 'cpp', 'build-tools.sh');
  if (!existsSync(script)) throw new EdgefaceError(`${script} missing: the native runners need edgeface's targets/ folder`);
  log?.(`building ncnn and the ${arch} runner (cached in .cache/; the first build takes 15-30 minutes)`);
  const r = await execa(script, [buildArch(arch)], { reject: false });
  if (r.exitCode !== 0) {
    const tail = String(r.stderr).trim().split('\n').slice(-3).join(' | ');
    throw new EdgefaceError(`building the ${arch} ncnn runner failed: ${tail}`);
  }
  return path.join(String(r.stdout).trim().split('\n').pop()!, 'ncnn-float-runner');
}

/** One runner process serving one model; requests are serialised. */
export class NativeRunnerProcess {
  private readonly proc: ResultPromise;
  private readonly reader: FrameReader;
  private queue: Promise<unknown> = Promise.resolve();
  private stderrTail = '';

  constructor(
    readonly arch: NativeArch,
    exe: string,
    paramPath: string,
    binPath: string,
    input: string,
    output: string,
    opts: { fp16?: boolean } = {},
  ) {
    const args = [paramPath, binPath, input, output, '--threads', '1', ...(opts.fp16 ? ['--fp16'] : [])];
    const [cmd, cmdArgs] = arch === 'arm64' ? ['qemu-aarch64', ['-L', QEMU_SYSROOT, exe, ...args]] : [exe, args];
    this.proc = execa(cmd, cmdArgs, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false, encoding: 'buffer' });
    this.proc.catch(() => undefined);
    this.proc.stderr!.on('data', (c: Buffer) => { this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-2000); });
    this.proc.stdin!.on('error', () => undefined);
    this.reader = new FrameReader(this.proc.stdout!, () => `the ${arch} ncnn runner stopped: ${this.stderrTail.trim() || 'no message'}`);
  }

  /** n inputs of shape [c, h, w] back to back -> n raw outputs back to back. */
  run(batch: Float32Array, n: number, shape: [number, number, number]): Promise<Float32Array> {
    const job = this.queue.then(() => this.request(batch, n, shape));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async request(batch: Float32Array, n: number, [c, h, w]: [number, number, number]): Promise<Float32Array> {
    const head = Buffer.alloc(16);
    [n, c, h, w].forEach((v, i) => head.writeInt32LE(v, 4 * i));
    this.proc.stdin!.write(head);
    this.proc.stdin!.write(Buffer.from(batch.buffer, batch.byteOffset, n * c * h * w * 4));
    const reply = await this.reader.readBytes(8);
    const status = reply.readInt32LE(0);
    const size = reply.readInt32LE(4);
    if (status !== 0) throw new EdgefaceError(`the ${this.arch} ncnn runner: ${(await this.reader.readBytes(size)).toString('utf8')}`);
    const data = await this.reader.readBytes(n * size * 4);
    const out = new Float32Array(n * size); // copied: the Buffer's offset need not be 4-aligned
    new Uint8Array(out.buffer).set(data);
    return out;
  }

  async close(): Promise<void> {
    const end = Buffer.alloc(16);
    this.proc.stdin!.end(end);
    await this.proc;
  }
}
