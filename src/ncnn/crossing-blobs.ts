/**
 * Where an ncnn graph can be cut. Layers in a .param are in topological order, so the
 * blobs that cross position j (produced before the layer at j, read by it or a later one)
 * are all a run from position j on needs: fed as inputs, they let ncnn start there.
 */
import type { NcnnModel } from './model.js';

export class CrossingBlobs {
  /** blob -> position of the layer that produces it */
  private readonly producedAt = new Map<string, number>();
  /** blob -> position of the last layer that reads it */
  private readonly lastReadAt = new Map<string, number>();

  constructor(model: NcnnModel) {
    model.layers.forEach((l, i) => {
      for (const b of l.outputs) this.producedAt.set(b, i);
      for (const b of l.inputs) this.lastReadAt.set(b, Math.max(this.lastReadAt.get(b) ?? -1, i));
    });
  }

  /** Blobs produced before position j and read at j or later, in production order. */
  at(j: number): string[] {
    const out: string[] = [];
    for (const [b, p] of this.producedAt) if (p < j && (this.lastReadAt.get(b) ?? -1) >= j) out.push(b);
    return out;
  }
}
