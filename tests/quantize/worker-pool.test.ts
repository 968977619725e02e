import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { convertOnnxFile } from '../../src/convert/convert.js';
import { presetByName } from '../../src/image/preprocess.js';
import { OnnxActivationSource } from '../../src/quantize/calibration/activation-source.js';
import { collectActivationStats } from '../../src/quantize/calibration/calibrate.js';
import { listCalibrationImages } from '../../src/quantize/calibration/images.js';
import { OnnxWorkerPool } from '../../src/quantize/calibration/onnx-worker-pool.js';
import { quantizableLayers } from '../../src/quantize/selection/quantizable.js';
import { InlineCollector } from '../../src/quantize/calibration/stats-collector.js';
import { CountKernel } from '../../src/quantize/calibration/count-kernel.js';
import { HISTOGRAM_KERNEL_BYTES } from '../../src/quantize/calibration/histogram.js';
import { EdgefaceError } from '../../src/errors.js';

const MODEL = 'models/edgeface-mbf.onnx';
const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-pool-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('worker pool: 3 onnxruntime workers gather exactly the statistics of one in-process session', async () => {
  const blobs = [...new Set(quantizableLayers(convertOnnxFile(MODEL).model).map((q) => q.input))];
  const files = listCalibrationImages('calibration/images').slice(0, 11);
  const pre = presetByName('arcface');
  const prepared = OnnxActivationSource.prepare(MODEL, blobs);
  assert.deepEqual(prepared.missing, []);

  const pooled = await (async () => {
    const pool = await OnnxWorkerPool.open(prepared, 3, 4);
    try {
      return await collectActivationStats([pool], files, pre, { batch: 2, progress: false });
    } finally {
      await pool.close();
    }
  })();
  const inline = await collectActivationStats([new InlineCollector(await OnnxActivationSource.fromPrepared(prepared, 1), 4)], files, pre, { batch: 2, progress: false });

  assert.equal(pooled.images.used, 11);
  assert.equal(pooled.histograms.size, blobs.length);
  for (const b of blobs) {
    const p = pooled.histograms.get(b)!;
    const q = inline.histograms.get(b)!;
    assert.equal(p.samples, 11, b);
    assert.ok(p.absmax > 0, `${b}: absmax`);
    assert.equal(p.absmax, q.absmax, `${b}: absmax`);
    assert.equal(p.nonzero, q.nonzero, `${b}: non-zero count`);
    assert.deepEqual([...p.fine], [...q.fine], `${b}: fine counts`);
    assert.deepEqual(pooled.shapes.get(b), inline.shapes.get(b), `${b}: shape`);
    // kept samples (for eq) are the first 4 images in stream order, whichever worker had them
    const ps = pooled.samples.get(b)!;
    const qs = inline.samples.get(b)!;
    assert.equal(ps.n, 4, b);
    assert.deepEqual(ps.data, qs.data, `${b}: kept samples`);
  }
});

test('worker pool: a model onnxruntime cannot run is an error naming the file', async () => {
  const onnx = onnxProto.onnx;
  const bad = path.join(dir, 'bad-op.onnx');
  const vi = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }, { dimValue: 8 }, { dimValue: 8 }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: [{ opType: 'NoSuchOp', input: ['x'], output: ['y'], name: 'mystery' }], input: [vi('x')], output: [vi('y')] },
  });
  writeFileSync(bad, onnx.ModelProto.encode(model).finish());
  const prepared = OnnxActivationSource.prepare(bad, ['y']);
  await assert.rejects(OnnxWorkerPool.open(prepared, 2), (e: unknown) => e instanceof EdgefaceError && e.message.includes(bad) && /NoSuchOp/.test(e.message));
});

test("worker pool: activations fetched in onnxruntime's channel-blocked layout, straight into the counting memory, histogram exactly as NCHW fetches", async () => {
  const blobs = [...new Set(quantizableLayers(convertOnnxFile(MODEL).model).map((q) => q.input))];
  const files = listCalibrationImages('calibration/images').slice(0, 9);
  const pre = presetByName('arcface');
  const plain = OnnxActivationSource.prepare(MODEL, blobs);
  const native = await OnnxActivationSource.prepareForHistograms(MODEL, blobs);
  const reference = await collectActivationStats([new InlineCollector(await OnnxActivationSource.fromPrepared(plain, 1))], files, pre, { batch: 1, progress: false });
  // in this thread: the arena path itself, observable
  const headroom = native.mapping.length * HISTOGRAM_KERNEL_BYTES;
  const source = await OnnxActivationSource.fromPrepared(native, 1, { arena: CountKernel.get(), headroom });
  const inline = await collectActivationStats([new InlineCollector(source)], files, pre, { batch: 1, progress: false });
  assert.equal(source.runsInArena, files.length - 1, 'every run after the first (which tells the output shapes) writes into the arena');
  // and in worker threads, as quantize runs it
  const pool = await OnnxWorkerPool.open(native, 2);
  let pooled;
  try {
    pooled = await collectActivationStats([pool], files, pre, { batch: 1, progress: false });
  } finally {
    await pool.close();
  }
  for (const [label, got] of [['in-thread arena', inline], ['worker pool', pooled]] as const) {
    for (const b of blobs) {
      const p = got.histograms.get(b)!;
      const q = reference.histograms.get(b)!;
      assert.equal(p.samples, files.length, `${label} ${b}`);
      assert.equal(p.absmax, q.absmax, `${label} ${b}: absmax`);
      assert.equal(p.nonzero, q.nonzero, `${label} ${b}: non-zero count`);
      assert.equal(p.sampleSize, q.sampleSize, `${label} ${b}: sample size`);
      assert.deepEqual([...p.fine], [...q.fine], `${label} ${b}: fine counts`);
      assert.deepEqual(got.shapes.get(b), reference.shapes.get(b), `${label} ${b}: shape`);
    }
  }
  // the channel-blocked fetch is what spares the reorders; without NCHWc kernels (not x86) there is none
  if (!native.optimized) return void console.log('# onnxruntime uses no NCHWc layout on this CPU: only the arena path was compared');
  assert.ok(native.blocked!.length > 0 && native.blocked!.length <= blobs.length);
  await assert.rejects(OnnxWorkerPool.open(native, 1, 4), /channel-blocked/);
});
