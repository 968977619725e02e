/** Image-parallel calibration on onnxruntime: one worker thread per core, batches to whichever is idle. */
import { Worker } from 'node:worker_threads';
import { EdgefaceError } from '../../errors.js';
import { onnxPreferredBatch, type PreparedOnnxModel } from './activation-source.js';
import type { BlobStatsState } from './blob-stats.js';
import type { CalibrationBatch } from './images.js';
import type { FromWorker, ToWorker, WorkerInit } from './onnx-stats-worker.js';
import type { StatsCollector } from './stats-collector.js';

interface Slot {
  worker: Worker;
  /** Settles the worker's current request (startup, a batch, or finish). */
  pending?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void };
  busy?: Promise<FromWorker>;
}

export class OnnxWorkerPool implements StatsCollector {
  private failure: Error | undefined;

  private constructor(
    private readonly prepared: PreparedOnnxModel,
    private readonly slots: Slot[],
  ) {}

  get blobs(): string[] {
    return this.prepared.mapping.map(([b]) => b);
  }

  get preferredBatch(): number {
    return onnxPreferredBatch(this.prepared.dynamicBatch);
  }

  /** Starts `workers` threads, each with a session on `prepared`, and waits until all are ready. */
  static async open(prepared: PreparedOnnxModel, workers: number, keep = 0): Promise<OnnxWorkerPool> {
    // kept samples are read in NCHW order; channel-blocked values only suit histograms
    if (keep > 0 && prepared.blocked?.length) throw new Error('internal: samples kept from channel-blocked activations');
    const init: WorkerInit = { prepared, keep };
    const slots: Slot[] = [];
    const pool = new OnnxWorkerPool(prepared, slots);
    for (let i = 0; i < Math.max(1, workers); i++) {
      const slot: Slot = { worker: new Worker(new URL('./onnx-stats-worker.js', import.meta.url), { workerData: init }) };
      slot.worker.on('message', (m: FromWorker) => {
        const p = slot.pending;
        slot.pending = undefined;
        if (m.type === 'error') p?.reject(pool.fail(m.message));
        else p?.resolve(m);
      });
      slot.worker.on('error', (e) => slot.pending?.reject(pool.fail(e.message)));
      slot.worker.on('exit', (code) => {
        if (slot.pending) slot.pending.reject(pool.fail(`calibration worker exited with code ${code}`));
      });
      slot.busy = pool.request(slot);
      slots.push(slot);
    }
    try {
      await Promise.all(slots.map((s) => s.busy));
    } catch (e) {
      await pool.close();
      throw e;
    }
    for (const s of slots) s.busy = undefined;
    return pool;
  }

  private fail(message: string): Error {
    this.failure ??= new EdgefaceError(`${this.prepared.file}: calibration on onnxruntime failed (${message.split('\n')[0]})`);
    return this.failure;
  }

  /** Posts `m` (or nothing, at startup) and resolves with the worker's answer. */
  private request(slot: Slot, m?: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    const answer = new Promise<FromWorker>((resolve, reject) => (slot.pending = { resolve, reject }));
    if (m) slot.worker.postMessage(m, transfer);
    return answer;
  }

  async feed(batch: CalibrationBatch, first: number): Promise<void> {
    if (this.failure) throw this.failure;
    let slot = this.slots.find((s) => !s.busy);
    if (!slot) {
      await Promise.race(this.slots.map((s) => s.busy));
      slot = this.slots.find((s) => !s.busy)!;
    }
    // the worker gets its own copy: other collectors may still read this batch
    const data = batch.data.slice();
    const s = slot;
    s.busy = this.request(s, { type: 'batch', batch: { ...batch, data }, first }, [data.buffer]).then((m) => {
      s.busy = undefined;
      return m;
    });
    s.busy.catch(() => undefined); // surfaced by the next feed() or finish()
  }

  async finish(): Promise<BlobStatsState> {
    await Promise.all(this.slots.map((s) => s.busy));
    if (this.failure) throw this.failure;
    const states = await Promise.all(this.slots.map((s) => this.request(s, { type: 'finish' })));
    // merged by the caller in a fixed order, so results do not depend on thread timing
    const merged: BlobStatsState = { histograms: [], shapes: [], kept: [] };
    for (const st of states) {
      if (st.type !== 'stats') throw this.fail(`unexpected answer ${st.type}`);
      merged.histograms.push(...st.state.histograms);
      merged.shapes.push(...st.state.shapes);
      merged.kept.push(...st.state.kept);
    }
    return merged;
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
