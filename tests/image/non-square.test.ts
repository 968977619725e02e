/**
 * A 112-high, 96-wide model (the SphereFace/CosFace-era face crop) through convert,
 * quantize and eval. The model is Flatten + Gemm, so every output depends on where each
 * pixel sits: a transposed input cannot give the same embedding. Checks that the sidecar,
 * ncnn's Input layer, the calibration tensors, onnxruntime and the ncnn runtime all see 96
 * wide by 112 high, and the regression: metadata with colour/mean/std but no
 * edgeface.input_size (size from the model's input shape, no abort inside onnxruntime).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { streamCalibrationBatches } from '../../src/quantize/calibration/images.js';
import { quantize } from '../../src/quantize/quantize.js';
import { runEval } from '../../src/eval/run-eval.js';
import { CLI, python, smallLfw, tmpDir } from '../eval/helpers/common.js';
import { REPO } from '../shared-data.js';
const dir = tmpDir('nonsquare');
const W = 96;
const H = 112;

/** Flatten + Gemm (16 outputs, seeded weights) on a [1, 3, 112, 96] input; metadata as given. */
function tinyModel(name: string, meta: Record<string, string>): string {
  const file = path.join(dir, `${name}.onnx`);
  python(['-c', `
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
w = np.random.default_rng(7).standard_normal((16, 3 * ${H} * ${W})).astype(np.float32) / 100
x = helper.make_tensor_value_info('img', TensorProto.FLOAT, [1, 3, ${H}, ${W}])
y = helper.make_tensor_value_info('emb', TensorProto.FLOAT, [1, 16])
g = helper.make_graph([helper.make_node('Flatten', ['img'], ['f']), helper.make_node('Gemm', ['f', 'w'], ['emb'], transB=1)],
                      'tiny', [x], [y], initializer=[numpy_helper.from_array(w, 'w')])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
for k, v in ${JSON.stringify(meta)}.items():
    e = m.metadata_props.add(); e.key = k; e.value = v
onnx.save(m, ${JSON.stringify(file)})
`]);
  return file;
}

const NORM = { 'edgeface.color': 'RGB', 'edgeface.mean': '127.5,127.5,127.5', 'edgeface.std': '127.5,127.5,127.5' };
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

test('convert: sidecar and ncnn Input layer say 96 wide, 112 high (from metadata H,W and from the shape alone)', () => {
  for (const [name, meta] of [['with-size', { ...NORM, 'edgeface.input_size': `${H},${W}` }], ['no-size', NORM]] as const) {
    const onnx = tinyModel(name, meta);
    const r = cli('convert', onnx, '-o', path.join(dir, name));
    assert.equal(r.status, 0, r.stderr);
    const side = JSON.parse(readFileSync(path.join(dir, `${name}.param.json`), 'utf8'));
    assert.deepEqual(side.preprocess.size, [H, W], `${name}: sidecar size is [height, width]`);
    assert.deepEqual(side.inputs[0].shape, [1, 3, H, W]);
    const input = readFileSync(path.join(dir, `${name}.param`), 'utf8').split('\n').find((l) => l.startsWith('Input'))!;
    assert.match(input, new RegExp(` 0=${W} 1=${H} 2=3$`), `ncnn Input: w=${W} (key 0), h=${H} (key 1): ${input}`);
  }
});

test('metadata or flags naming the transposed size are a one-line error, nothing written', () => {
  const onnx = tinyModel('swapped-meta', { ...NORM, 'edgeface.input_size': `${W},${H}` });
  const r = cli('convert', onnx, '-o', path.join(dir, 'swapped-meta'));
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `edgeface: error: ${onnx}: input size 112x96 (WxH) from ONNX metadata disagrees with the model's input, 96x112\n`);
  assert.equal(existsSync(path.join(dir, 'swapped-meta.param')), false);
  const e = cli('eval', '-q', path.join(dir, 'no-size.onnx'), '--input-size', `${H}x${W}`, '--lfw', smallLfw(1));
  assert.equal(e.status, 1);
  assert.match(e.stderr, /^edgeface: error: .*no-size\.onnx: input size 112x96 \(WxH\) from flags disagrees with the model's input, 96x112\n$/);
});

test('calibration tensors are [3, 112, 96] with pixel (x, y) at row y, column x', async () => {
  // an image of exactly the model's size: red = 2x, green = 2y, so any transpose shows
  const px = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.set([2 * x, 2 * y, 7], (y * W + x) * 3);
  const png = path.join(dir, 'grid.png');
  await sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toFile(png);
  const pre = { color: 'RGB' as const, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number], width: W, height: H };
  const stats = { used: 0, skipped: [] };
  const batches = [];
  for await (const b of streamCalibrationBatches([png], pre, 1, stats)) batches.push(b);
  assert.deepEqual(batches[0]!.shape, [3, H, W]);
  const t = batches[0]!.data;
  for (const [x, y] of [[0, 0], [95, 0], [0, 111], [50, 100]] as const) {
    assert.equal(t[y * W + x], 2 * x, `red at (${x}, ${y})`);
    assert.equal(t[H * W + y * W + x], 2 * y, `green at (${x}, ${y})`);
  }
});

test('quantize (no input_size metadata) and eval: onnxruntime and ncnn agree on 96x112 inputs', async () => {
  const onnx = path.join(dir, 'no-size.onnx');
  const calib = path.join(REPO, 'calibration');
  // the regression ran through the CLI and aborted the process: run it the same way
  const q = cli('quantize', onnx, '--calib', calib, '--max-images', '16', '-o', path.join(dir, 'no-size-int8'), '-q');
  assert.equal(q.status, 0, q.stderr);
  const lib = await quantize({ model: onnx, calib, maxImages: 8, outParam: path.join(dir, 'lib-int8.param'), outBin: path.join(dir, 'lib-int8.bin'), progress: false });
  assert.deepEqual([lib.preprocess!.width, lib.preprocess!.height], [W, H]);
  const report = await runEval({
    models: [onnx, path.join(dir, 'no-size.param'), path.join(dir, 'no-size-int8.param')],
    dataset: { lfw: smallLfw(2) },
    threads: 2,
  });
  for (const m of report.models) assert.deepEqual([m.preprocess.width, m.preprocess.height], [W, H], m.label);
  const agree = report.comparisons.find((c) => c.kind === 'agreement')!;
  assert.ok((agree.cosineMean ?? 0) > 0.99999, `onnxruntime vs ncnn FP32 cosine ${agree.cosineMean}`);
  assert.equal(report.models[0]!.result.accuracyMean, report.models[1]!.result.accuracyMean);
  const int8 = report.comparisons.find((c) => c.kind === 'quantized')!;
  assert.ok((int8.cosineMean ?? 0) > 0.99, `INT8 vs FP32 cosine ${int8.cosineMean}`);
});
