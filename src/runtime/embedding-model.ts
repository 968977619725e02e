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
