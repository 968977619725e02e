/** What the eval needs from a face model, whatever runs it. */
export interface EmbeddingModel {
  /** Shown in reports: the file name plus runtime options. */
  readonly label: string;
  /** 'onnxruntime' or 'ncnn'. */
  readonly runtime: string;
  /** Input as [channels, height, width]. */
  readonly inputShape: [number, number, number];
  /** Largest batch embed() takes in one call (1 for fixed-batch ONNX models is fine too: it loops). */
  readonly preferredBatch: number;
  /**
   * `batch` holds n inputs of inputShape (CHW float32, already preprocessed); returns n
   * embeddings back to back (n x dim).
   */
  embed(batch: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * Splits a batch of n inputs of `shape` into one contiguous share per worker, runs the
 * shares concurrently and joins the embeddings in input order (the runner pools of the
 * ncnn models use it).
 */
export async function embedSharded<W>(
  workers: readonly W[],
  batch: Float32Array,
  n: number,
  shape: readonly number[],
  run: (worker: W, inputs: Float32Array, m: number) => Promise<Float32Array>,
): Promise<Float32Array> {
  const per = shape.reduce((a, b) => a * b, 1);
  const chunk = Math.ceil(n / workers.length);
  const parts = await Promise.all(
    workers.map((w, k) => {
      const lo = k * chunk;
      const m = Math.min(chunk, n - lo);
      return m > 0 ? run(w, batch.subarray(lo * per, (lo + m) * per), m) : Promise.resolve(new Float32Array(0));
    }),
  );
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
