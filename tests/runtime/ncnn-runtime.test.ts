/** The general ncnn API (real runtime through tools/ncnn_runtime/runner.py): named blobs in, named blobs out. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NcnnRuntime, openNcnnNet } from '../../src/runtime/ncnn.js';
import { inspectNcnnParam } from '../../src/runtime/ncnn-model.js';
import { SHARED_MODELS } from '../shared-data.js';

const MBF_PARAM = path.join(SHARED_MODELS, 'insightface-mbf-y1.param');

// Two inputs, two outputs: sum = a + b, relu = max(a, 0). No weights.
const TWO_IN_TWO_OUT = `7767517
5 6
Input a 0 1 a
Input b 0 1 b
Split splita 1 2 a a0 a1
BinaryOp add 2 1 a0 b sum 0=0
ReLU relu 1 1 a1 relu
`;

let runtime: NcnnRuntime;
let dir: string;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-ncnn-rt-'));
  writeFileSync(path.join(dir, 'tiny.param'), TWO_IN_TWO_OUT);
  writeFileSync(path.join(dir, 'tiny.bin'), Buffer.alloc(0));
  runtime = await NcnnRuntime.start();
});
after(async () => {
  await runtime.close();
});

const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

test('batch of 3 CHW samples: both outputs exact, shapes per sample', async () => {
  const net = await runtime.load(path.join(dir, 'tiny.param'));
  assert.deepEqual(net.inputNames, ['a', 'b']);
  assert.deepEqual([...net.outputNames].sort(), ['relu', 'sum']);
  const shape = [2, 3, 5]; // c, h, w: w=5 makes ncnn pad each channel (cstep) internally
  const n = 3;
  const a = seq(n * 30, (i) => Math.sin(i) * 3);
  const b = seq(n * 30, (i) => i / 7);
  const out = await net.runBatch(n, { a: { data: a, shape }, b: { data: b, shape } }, ['sum', 'relu']);
  assert.deepEqual(out.sum!.shape, shape);
  assert.deepEqual(out.relu!.shape, shape);
  for (let i = 0; i < a.length; i++) {
    assert.equal(out.sum!.data[i], Math.fround(a[i]! + b[i]!));
    assert.equal(out.relu!.data[i], Math.max(a[i]!, 0));
  }
  await net.close();
});

test('1-D and 2-D blobs keep their shapes', async () => {
  const net = await runtime.load(path.join(dir, 'tiny.param'));
  for (const shape of [[7], [3, 5]]) {
    const size = shape.reduce((x, y) => x * y, 1);
    const a = seq(size, (i) => i - 3);
    const out = await net.run({ a: { data: a, shape }, b: { data: a, shape } }, ['sum']);
    assert.deepEqual(out.sum!.shape, shape);
    assert.deepEqual([...out.sum!.data], [...a].map((v) => 2 * v));
  }
  await net.close();
});

test('an error reply names the problem and the runner stays usable', async () => {
  const net = await runtime.load(path.join(dir, 'tiny.param'));
  const x = { data: seq(4, (i) => i), shape: [4] };
  await assert.rejects(net.run({ a: x, b: x }, ['nope']), /nope/);
  await assert.rejects(net.run({ zz: x }, ['sum']), /no input blob 'zz'/);
  const ok = await net.run({ a: x, b: x }, ['relu']);
  assert.deepEqual([...ok.relu!.data], [0, 1, 2, 3]);
  await net.close();
});

test('kept blobs: outputs stay in the runner, later runs start from them, mixed with sent inputs', async () => {
  const net = await runtime.load(path.join(dir, 'tiny.param'));
  const shape = [2, 3];
  const n = 2;
  const a = seq(n * 6, (i) => i - 5);
  const b = seq(n * 6, (i) => 0.5 * i);
  const shapes = await net.keep(n, { a: { data: a, shape }, b: { data: b, shape } }, ['a0', 'a1', 'sum'], 'k');
  assert.deepEqual(shapes, { a0: shape, a1: shape, sum: shape });
  // start mid-graph from the Split's kept outputs (a itself is not given), b sent anew
  const b2 = seq(n * 6, (i) => 10 - i);
  const out = await net.runBatch(n, { a0: { kept: 'k' }, a1: { kept: 'k' }, b: { data: b2, shape } }, ['sum', 'relu']);
  for (let i = 0; i < a.length; i++) {
    assert.equal(out.sum!.data[i], Math.fround(a[i]! + b2[i]!));
    assert.equal(out.relu!.data[i], Math.max(a[i]!, 0));
  }
  // a kept blob fed at its own name comes back as it was kept
  const same = await net.runBatch(n, { sum: { kept: 'k' } }, ['sum']);
  for (let i = 0; i < a.length; i++) assert.equal(same.sum!.data[i], Math.fround(a[i]! + b[i]!));
  // keeping under the same key replaces what was there, even when the run reads from it
  await net.keep(n, { a0: { kept: 'k' }, b: { data: b2, shape } }, ['sum'], 'k');
  const replaced = await net.runBatch(n, { sum: { kept: 'k' } }, ['sum']);
  for (let i = 0; i < a.length; i++) assert.equal(replaced.sum!.data[i], Math.fround(a[i]! + b2[i]!));
  await assert.rejects(net.runBatch(n, { a1: { kept: 'k' } }, ['relu']), /'a1': no blob of that name kept under 'k'/);
  await assert.rejects(net.runBatch(3, { sum: { kept: 'k' } }, ['sum']), /2 samples kept under 'k', 3 asked for/);
  await runtime.forget('k');
  await assert.rejects(net.runBatch(n, { sum: { kept: 'k' } }, ['sum']), /no blob of that name kept under 'k'/);
  // the runner is still in step
  const ok = await net.run({ a: { data: seq(3, (i) => i - 1), shape: [3] }, b: { data: seq(3, () => 0), shape: [3] } }, ['relu']);
  assert.deepEqual([...ok.relu!.data], [0, 0, 1]);
  await net.close();
});

test('missing files and a missing interpreter give clear errors', async () => {
  await assert.rejects(runtime.load(path.join(dir, 'absent.param')), /absent\.param: no such file/);
  await assert.rejects(
    openNcnnNet(path.join(dir, 'tiny.param'), undefined, {}, { python: path.join(dir, 'no-python') }),
    /could not start|stopped/,
  );
});

test('MobileFaceNet in FP32 and FP16: same embedding up to FP16 rounding; batch equals single runs', async () => {
  const fp32 = await runtime.load(MBF_PARAM, undefined, { fp16: false, threads: 1 });
  const fp16 = await runtime.load(MBF_PARAM, undefined, { fp16: true, threads: 1 });
  const per = 3 * 112 * 112;
  const x = seq(2 * per, (i) => (i * 7919) % 256);
  const batch = await fp32.runBatch(2, { data: { data: x, shape: [3, 112, 112] } }, ['fc1']);
  const single = await fp32.run({ data: { data: x.subarray(per), shape: [3, 112, 112] } }, ['fc1']);
  assert.deepEqual([...batch.fc1!.data.subarray(128)], [...single.fc1!.data]);
  const half = await fp16.runBatch(2, { data: { data: x, shape: [3, 112, 112] } }, ['fc1']);
  for (let s = 0; s < 2; s++) {
    let dot = 0, na = 0, nb = 0;
    for (let k = 0; k < 128; k++) {
      const p = batch.fc1!.data[s * 128 + k]!, q = half.fc1!.data[s * 128 + k]!;
      dot += p * q; na += p * p; nb += q * q;
    }
    assert.ok(dot / Math.sqrt(na * nb) > 0.999, `cosine ${dot / Math.sqrt(na * nb)}`);
  }
  await fp32.close();
  await fp16.close();
});

test('inspectNcnnParam: blobs from the Input layer and the unconsumed outputs', () => {
  const mbf = inspectNcnnParam(MBF_PARAM);
  assert.deepEqual(mbf.inputs, ['data']);
  assert.deepEqual(mbf.outputs, ['fc1']);
  assert.equal(mbf.quantized, false);
  const tiny = inspectNcnnParam(path.join(dir, 'tiny.param'));
  assert.deepEqual(tiny.inputs, ['a', 'b']);
  assert.deepEqual([...tiny.outputs].sort(), ['relu', 'sum']);
});
