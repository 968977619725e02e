/**
 * The calibration histogram's counting loop in WebAssembly SIMD (wasm/count-bins.wat,
 * assembled into count-bins.wasm by the build): about twice the speed of the same loop in
 * JavaScript, and portable, so no native build. One instance per thread; each histogram
 * borrows a block of counters in its memory while it counts and gives it back zeroed
 * when it flushes, so memory stays bounded by the histograms counting at once.
 */
import { readFileSync } from 'node:fs';
import type { OutputArena } from './activation-source.js';

const WASM_PAGE = 65536;

export class CountKernel implements OutputArena {
  private static instance: CountKernel | undefined;
  private readonly memory: WebAssembly.Memory;
  private readonly countFn: (data: number, n: number, k: number, over: number, counters: number) => number;
  /** End of the blocks handed out so far; the value scratch area starts here. */
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

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /**
   * A block for values to count in place (onnxruntime's outputs, see OutputArena); the
   * memory grows now so that `headroom` more bytes of blocks or scratch come without growing.
   */
  alloc(bytes: number, headroom: number): number {
    this.top = (this.top + 15) & ~15;
    const at = this.acquire(Math.ceil(bytes / 16) * 4);
    this.ensure(this.top + headroom + 16);
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
   * Counts x (a copy of it, unless it lies in this memory already) into the u32 counters at
   * byte offset `counters`: slot min(ceil(|x|*k), over).
   * `k` must be a power of two (so float32 products are exact). Returns max |x|; NaN and
   * infinities land in slot `over`, and a NaN may be missing from the max, so a caller that
   * finds slot `over` non-zero takes the exact max itself.
   */
  count(x: Float32Array, counters: number, k: number, over: number): number {
    // values already in this memory (an arena block) are counted where they are
    if (x.buffer === this.memory.buffer) return this.countFn(x.byteOffset, x.length, k, over, counters);
    const data = (this.top + 15) & ~15;
    this.ensure(data + x.byteLength);
    new Float32Array(this.memory.buffer, data, x.length).set(x);
    return this.countFn(data, x.length, k, over, counters);
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
  }
}
