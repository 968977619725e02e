/**
 * The calibration histogram's counting loop in WebAssembly SIMD (wasm/count-bins.wat,
 * assembled into count-bins.wasm by the build): about twice the speed of the same loop in
 * JavaScript, and portable, so no native build. One instance per thread; each histogram
 * borrows a block of counting lanes in its memory while it counts and gives it back zeroed
 * when it flushes, so memory stays bounded by the histograms counting at once.
 */
import { readFileSync } from 'node:fs';

const WASM_PAGE = 65536;

export class CountKernel {
  private static instance: CountKernel | undefined;
  private readonly memory: WebAssembly.Memory;
  private readonly countFn: (data: number, n: number, k: number, over: number, lanes: number) => number;
  /** End of the lane blocks handed out so far; the value scratch area starts here. */
  private top = 0;
  private readonly free = new Map<number, number[]>();

  private constructor() {
    const bytes = readFileSync(new URL('./wasm/count-bins.wasm', import.meta.url));
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    this.memory = inst.exports.memory as WebAssembly.Memory;
    this.countFn = inst.exports.count as CountKernel['countFn'];
  }

  /** This thread's kernel. */
  static get(): CountKernel {
    return (CountKernel.instance ??= new CountKernel());
  }

  /** A zeroed block of `words` u32 counters; returns its byte offset. */
  acquire(words: number): number {
    const reuse = this.free.get(words)?.pop();
    if (reuse !== undefined) return reuse;
    const at = this.top;
    this.top += words * 4;
    this.ensure(this.top);
    this.view(at, words).fill(0); // the value scratch area may have been here
    return at;
  }

  /** Gives back a block the caller has zeroed. */
  release(at: number, words: number): void {
    const list = this.free.get(words) ?? [];
    list.push(at);
    this.free.set(words, list);
  }

  /** A view of a block (fresh each time: growing the memory detaches old views). */
  view(at: number, words: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, at, words);
  }

  /**
   * Counts x into the lanes block at `lanes`: slot min(ceil(|x|*k), over), lane i mod 4.
   * `k` must be a power of two (so float32 products are exact). Returns max |x| (NaN if x has one).
   */
  count(x: Float32Array, lanes: number, k: number, over: number): number {
    const data = (this.top + 15) & ~15;
    this.ensure(data + x.byteLength);
    new Float32Array(this.memory.buffer, data, x.length).set(x);
    return this.countFn(data, x.length, k, over, lanes);
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
  }
}
