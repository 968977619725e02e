import { promises as fs, openSync, writeSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { EdgefaceError } from '../errors.js';

const WHY: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'its folder is not a folder',
  EACCES: 'its folder is not writable',
  EPERM: 'its folder is not writable',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EISDIR: 'it is a folder',
};

/** A failing output (missing or read-only folder, full disk) as one line naming the file. */
export function outputError(target: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (!code) return e;
  return new EdgefaceError(`${target}: cannot write (${code}: ${WHY[code] ?? (e as Error).message})`);
}

/** Temp path beside `target` so the final rename stays on one filesystem (atomic). */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
}

/** Write a whole file atomically: readers see the old file or the complete new one. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw outputError(target, e);
  }
}

/**
 * Streamed atomic writer for large outputs (.bin files): chunks go straight to a temp file
 * so peak memory stays at one tensor; `commit` renames, `abort` removes.
 */
export class AtomicFileWriter {
  readonly target: string;
  private readonly tmp: string;
  private fd: number | null;
  bytesWritten = 0;

  constructor(target: string) {
    this.target = target;
    this.tmp = tempPathFor(target);
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw outputError(target, e);
    }
  }

  /** Small chunks (tags, biases, padding) are staged so they cost one syscall per 1 MiB. */
  private stage = Buffer.allocUnsafe(1 << 20);
  private staged = 0;

  write(chunk: Uint8Array): void {
    if (this.fd === null) throw new Error('AtomicFileWriter: write after close');
    if (chunk.length <= this.stage.length - this.staged) {
      this.stage.set(chunk, this.staged);
      this.staged += chunk.length;
    } else {
      this.flush();
      if (chunk.length < this.stage.length) {
        this.stage.set(chunk, 0);
        this.staged = chunk.length;
      } else {
        this.writeAll(chunk);
      }
    }
    this.bytesWritten += chunk.length;
  }

  private flush(): void {
    if (this.staged) this.writeAll(this.stage.subarray(0, this.staged));
    this.staged = 0;
  }

  private writeAll(chunk: Uint8Array): void {
    let off = 0;
    try {
      while (off < chunk.length) off += writeSync(this.fd!, chunk, off, chunk.length - off);
    } catch (e) {
      this.abort();
      throw outputError(this.target, e);
    }
  }

  /** Writes out what is staged and closes the temp file (a full disk shows up here, before any rename). */
  finish(): void {
    if (this.fd === null) return;
    this.flush();
    try {
      closeSync(this.fd);
    } catch (e) {
      this.fd = null;
      this.abort();
      throw outputError(this.target, e);
    }
    this.fd = null;
  }

  commit(): void {
    this.finish();
    try {
      renameSync(this.tmp, this.target);
    } catch (e) {
      this.abort();
      throw outputError(this.target, e);
    }
  }

  abort(): void {
    if (this.fd !== null) {
      try { closeSync(this.fd); } catch { /* the temp file goes anyway */ }
      this.fd = null;
    }
    try { unlinkSync(this.tmp); } catch { /* already gone */ }
  }
}
