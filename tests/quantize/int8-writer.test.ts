import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { int, float, layer, mainWeights, rawWeights, type NcnnModel } from '../../src/ncnn/model.js';
import { readNcnnModel, writeNcnnModel } from '../../src/ncnn/io.js';
import { NcnnRuntime } from '../../src/runtime/ncnn.js';
import { quantizeValue, writeInt8Model } from '../../src/quantize/int8-writer.js';
import { quantizableLayers, weightScales } from '../../src/quantize/selection/quantizable.js';
import { cosineRows } from '../../src/quantize/selection/embedding-probe.js';
import type { QuantTable } from '../../src/quantize/table.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-int8-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => (((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1) * scale);
}

/** Input 3x16x16 -> Conv3x3 (bias) -> Conv1x1 (relu) -> ConvDW3x3/2 -> PReLU -> InnerProduct. */
function tinyNet(): NcnnModel {
  return {
    layers: [
      layer('Input', 'in', [], ['data'], [[0, int(16)], [1, int(16)], [2, int(3)]]),
      layer('Convolution', 'c1', ['data'], ['b1'], [[0, int(8)], [1, int(3)], [4, int(1)], [5, int(1)], [6, int(216)]], [mainWeights(rand(216, 1, 0.5)), rawWeights(rand(8, 2, 0.1))]),
      layer('Convolution', 'c2', ['b1'], ['b2'], [[0, int(8)], [1, int(1)], [5, int(0)], [6, int(64)], [9, int(1)]], [mainWeights(rand(64, 3, 0.5))]),
      layer('ConvolutionDepthWise', 'dw', ['b2'], ['b3'], [[0, int(8)], [1, int(3)], [3, int(2)], [4, int(1)], [5, int(1)], [6, int(72)], [7, int(8)]], [mainWeights(rand(72, 4, 0.5)), rawWeights(rand(8, 5, 0.1))]),
      layer('PReLU', 'pr', ['b3'], ['b4'], [[0, int(8)]], [rawWeights(rand(8, 6, 0.25))]),
      layer('InnerProduct', 'fc', ['b4'], ['out'], [[0, int(10)], [1, int(1)], [2, int(5120)]], [mainWeights(rand(5120, 7, 0.2)), rawWeights(rand(10, 8, 0.1))]),
    ],
  };
}

/** Input scales from the FP32 blobs themselves (minmax): enough to exercise the writer. */
async function minmaxTable(net: NcnnModel, rt: NcnnRuntime, x: Float32Array): Promise<QuantTable> {
  const fp = path.join(dir, 'fp32');
  await writeNcnnModel(net, `${fp}.param`, `${fp}.bin`);
  const n = await rt.load(`${fp}.param`, `${fp}.bin`, { int8: false, threads: 1 });
  const qs = quantizableLayers(net);
  const blobs = await n.run({ data: { data: x, shape: [3, 16, 16] } }, qs.map((q) => q.input));
  await n.close();
  const t: QuantTable = { weightScales: new Map(), inputScales: new Map() };
  for (const q of qs) {
    t.weightScales.set(q.layer.name, weightScales(q));
    t.inputScales.set(q.layer.name, 127 / blobs[q.input]!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
  }
  return t;
}

test('quantizeValue rounds half away from zero and clamps to +-127 (ncnn float2int8)', () => {
  assert.equal(quantizeValue(2.5, 1), 3);
  assert.equal(quantizeValue(-2.5, 1), -3);
  assert.equal(quantizeValue(-0.4, 1), -0);
  assert.equal(quantizeValue(1000, 1), 127);
  assert.equal(quantizeValue(-1000, 1), -127);
});

test('INT8 writer: layout the runtime reads, ~4x smaller weights, runs in real ncnn close to FP32', async () => {
  const rt = await NcnnRuntime.start();
  try {
    const net = tinyNet();
    const x = rand(3 * 16 * 16, 11, 1);
    const table = await minmaxTable(net, rt, x);
    const r = writeInt8Model(net, table);
    assert.deepEqual(r.quantized.sort(), ['c1', 'c2', 'dw', 'fc']);
    // c1 -> c2 and c2 -> dw chain directly into INT8 convolutions; dw feeds PReLU, fc is last
    assert.deepEqual(r.fused, [['c1', 'c2'], ['c2', 'dw']]);
    const key8 = (name: string) => r.model.layers.find((l) => l.name === name)!.params.get(8)!.value;
    assert.deepEqual(['c1', 'c2', 'dw', 'fc'].map(key8), [102, 102, 1, 2]);
    assert.equal(r.weightBytesInt8 * 4, r.weightBytesFp32);

    const q = path.join(dir, 'int8');
    await writeNcnnModel(r.model, `${q}.param`, `${q}.bin`);
    // our reader walks the same layout as the runtime's load_model (whole file consumed)
    const back = readNcnnModel(`${q}.param`, `${q}.bin`);
    const c1 = back.layers.find((l) => l.name === 'c1')!;
    assert.deepEqual(c1.weights.map((w) => [w.dtype, w.data.length]), [['int8', 216], ['float32', 8], ['float32', 8], ['float32', 1], ['float32', 1]]);

    const fp = path.join(dir, 'fp32');
    const f32 = await rt.load(`${fp}.param`, `${fp}.bin`, { int8: false, threads: 1 });
    const i8 = await rt.load(`${q}.param`, `${q}.bin`, { int8: true, threads: 1 });
    const unfused = path.join(dir, 'int8-unfused');
    await writeNcnnModel(writeInt8Model(net, table, { fuseRequantize: false }).model, `${unfused}.param`, `${unfused}.bin`);
    const i8u = await rt.load(`${unfused}.param`, `${unfused}.bin`, { int8: true, threads: 1 });
    const input = { data: { data: x, shape: [3, 16, 16] } };
    const a = (await f32.run(input, ['out'])).out!.data;
    const b = (await i8.run(input, ['out'])).out!.data;
    const c = (await i8u.run(input, ['out'])).out!.data;
    const cos = cosineRows(a, b, 1)[0]!;
    assert.ok(cos > 0.995, `INT8 vs FP32 cosine ${cos}`);
    assert.ok(a.some((v, i) => v !== b[i]), 'INT8 output must differ from FP32 (int8 arithmetic really ran)');
    assert.ok(cosineRows(b, c, 1)[0]! > 0.999, 'requantize fusion agrees with dequantize + quantize');
    await Promise.all([f32.close(), i8.close(), i8u.close()]);
  } finally {
    await rt.close();
  }
});

test('INT8 writer: --fp16 stores the layers left FP32 as float16 and ncnn still runs them', async () => {
  const net = tinyNet();
  const t: QuantTable = { weightScales: new Map(), inputScales: new Map() };
  for (const q of quantizableLayers(net)) t.weightScales.set(q.layer.name, weightScales(q));
  t.inputScales.set('c2', 30);
  const r = writeInt8Model(net, t, { keepFp32: ['c2'] });
  assert.deepEqual(r.quantized, []);
  const p = path.join(dir, 'half');
  await writeNcnnModel(r.model, `${p}.param`, `${p}.bin`, { fp16: true });
  const bin = readFileSync(`${p}.bin`);
  assert.equal(bin.readUInt32LE(0), 0x01306b47, 'first conv weights carry the float16 tag');
  const rt = await NcnnRuntime.start();
  try {
    const n = await rt.load(`${p}.param`, `${p}.bin`, { threads: 1 });
    const out = (await n.run({ data: { data: rand(768, 3), shape: [3, 16, 16] } }, ['out'])).out!;
    assert.equal(out.data.length, 10);
    assert.ok(out.data.every(Number.isFinite));
  } finally {
    await rt.close();
  }
});

test('INT8 writer: table errors name the layer', () => {
  const net = tinyNet();
  const t: QuantTable = { weightScales: new Map([['c1', Float32Array.of(1, 2)]]), inputScales: new Map([['c1', 10], ['c2', 5]]) };
  assert.throws(() => writeInt8Model(net, t), /'c1_param_0' has 2 scales, layer 'c1' \(Convolution\) needs 8/);
  t.weightScales.set('c1', new Float32Array(8).fill(1));
  assert.throws(() => writeInt8Model(net, t), /layer 'c2' has an input scale but no 'c2_param_0'/);
});
