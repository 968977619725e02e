/** Something that turns calibration batches into per-blob statistics. */
import type { ActivationSource } from './activation-source.js';
import { BlobStats, type BlobStatsState } from './blob-stats.js';
import type { CalibrationBatch } from './images.js';

export interface StatsCollector {
  readonly blobs: string[];
  /** Images per batch that suit this collector. */
  readonly preferredBatch: number;
  /**
   * Takes a batch whose first image sits at stream position `first`. Resolves once the
   * collector can take another batch, which may be before this one is processed.
   */
  feed(batch: CalibrationBatch, first: number): Promise<void>;
  /** Waits for every fed batch and returns the statistics. */
  finish(): Promise<BlobStatsState>;
  close(): Promise<void>;
}

/** Statistics built in this thread from an activation source's values (the ncnn path). */
export class InlineCollector implements StatsCollector {
  private readonly stats: BlobStats;

  constructor(
    private readonly source: ActivationSource,
    keep = 0,
    private readonly ownsSource = true,
  ) {
    this.stats = new BlobStats(source.blobs, keep);
  }

  get blobs(): string[] {
    return this.source.blobs;
  }

  get preferredBatch(): number {
    return this.source.preferredBatch;
  }

  async feed(batch: CalibrationBatch, first: number): Promise<void> {
    this.stats.absorb(batch.n, first, await this.source.run(batch), batch.files);
  }

  async finish(): Promise<BlobStatsState> {
    return this.stats.toState();
  }

  async close(): Promise<void> {
    if (this.ownsSource) await this.source.close();
  }
}
