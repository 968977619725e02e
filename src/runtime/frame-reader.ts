import type { Readable } from 'node:stream';

/**
 * Pull-style reader over a byte stream for the runner protocol: one JSON line, then an
 * exact number of payload bytes. Buffers incoming chunks and hands them out on demand.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(stream: Readable, describeEnd: () => string) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.notify();
    });
    const finish = (why: string) => {
      if (!this.ended) this.ended = new Error(why);
      this.notify();
    };
    stream.on('end', () => finish(describeEnd()));
    stream.on('close', () => finish(describeEnd()));
    stream.on('error', (e: Error) => finish(`${describeEnd()} (${e.message})`));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async waitForData(): Promise<void> {
    if (this.ended) throw this.ended;
    await new Promise<void>((resolve) => { this.wake = resolve; });
  }

  private take(n: number): Buffer {
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = whole.subarray(0, n);
    const rest = whole.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  async readLine(): Promise<string> {
    for (;;) {
      let offset = 0;
      for (const c of this.chunks) {
        const nl = c.indexOf(10);
        if (nl >= 0) return this.take(offset + nl + 1).toString('utf8').trimEnd();
        offset += c.length;
      }
      // Merge to keep the scan linear when a line arrives in many small chunks.
      if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
      await this.waitForData(); // throws once the stream has ended without a full line

    }
  }

  async readBytes(n: number): Promise<Buffer> {
    while (this.buffered < n) {
      if (this.ended) throw this.ended;
      await this.waitForData();
    }
    return Buffer.from(this.take(n)); // copy: the caller may keep it after more data arrives
  }
}
