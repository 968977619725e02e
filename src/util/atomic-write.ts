import { promises as fs, openSync, writeSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';

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
    throw e;
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
    this.fd = openSync(this.tmp, 'w');
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
    while (off < chunk.length) off += writeSync(this.fd!, chunk, off, chunk.length - off);
  }

  commit(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tmp, this.target);
  }

  abort(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    try { unlinkSync(this.tmp); } catch { /* already gone */ }
  }
}
