/**
 * Calibration worker thread: one single-threaded onnxruntime session on the prepared model,
 * histogramming the exposed activations of the batches it is sent. onnxruntime-node runs a
 * session synchronously on the calling thread, so image-parallel workers are what put every
 * core to work on both inference and statistics.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OnnxActivationSource, type PreparedOnnxModel } from './activation-source.js';
import { BlobStats, type BlobStatsState } from './blob-stats.js';
import type { CalibrationBatch } from './images.js';
import { CountKernel } from './count-kernel.js';
import { HISTOGRAM_KERNEL_BYTES } from './histogram.js';

export interface WorkerInit {
  prepared: PreparedOnnxModel;
  keep: number;
}

export type ToWorker = { type: 'batch'; batch: CalibrationBatch; first: number } | { type: 'finish' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done' }
  | { type: 'stats'; state: BlobStatsState }
  | { type: 'error'; message: string };

const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function main(): Promise<void> {
  const { prepared, keep } = workerData as WorkerInit;
  // onnxruntime writes the activations into the counting kernel's memory, where they are
  // counted without a copy; every histogram's counters may still be claimed there
  const headroom = prepared.mapping.length * HISTOGRAM_KERNEL_BYTES;
  const source = await OnnxActivationSource.fromPrepared(prepared, 1, { arena: CountKernel.get(), headroom });
  const stats = new BlobStats(source.blobs, keep);
  port.on('message', (m: ToWorker) => {
    const step = async () => {
      if (m.type === 'batch') {
        stats.absorb(m.batch.n, m.first, await source.run(m.batch), m.batch.files);
        source.assertArenaIntact();
        post({ type: 'done' });
      } else {
        await source.close();
        const state = stats.toState();
        post({ type: 'stats', state }, BlobStats.transferables(state));
      }
    };
    step().catch((e: unknown) => post({ type: 'error', message: (e as Error).message }));
  });
  post({ type: 'ready' });
}

main().catch((e: unknown) => post({ type: 'error', message: (e as Error).message }));
