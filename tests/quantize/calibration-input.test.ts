import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { int, layer, mainWeights, rawWeights, type NcnnModel } from '../../src/ncnn/model.js';
import { writeNcnnModel, readNcnnModel } from '../../src/ncnn/io.js';
import { quantize } from '../../src/quantize/quantize.js';
import { readTable } from '../../src/quantize/table.js';
import { listCalibrationImages } from '../../src/quantize/calibration/images.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-calib-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rand(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return new Float32Array(n).map(() => (((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1) * scale);
}

/** Input 3x32x32 -> Conv3x3/2 -> PReLU -> ConvDW3x3 -> Conv1x1 -> InnerProduct(16). */
async function smallModel(): Promise<string> {
  const m: NcnnModel = {
    layers: [
      layer('Input', 'input', [], ['data'], [[0, int(32)], [1, int(32)], [2, int(3)]]),
      layer('Convolution', 'conv1', ['data'], ['c1'], [[0, int(8)], [1, int(3)], [3, int(2)], [4, int(1)], [5, int(1)], [6, int(216)]], [mainWeights(rand(216, 1, 0.4)), rawWeights(rand(8, 2, 0.1))]),
      layer('PReLU', 'prelu1', ['c1'], ['p1'], [[0, int(8)]], [rawWeights(rand(8, 3, 0.25))]),
      layer('ConvolutionDepthWise', 'dw2', ['p1'], ['c2'], [[0, int(8)], [1, int(3)], [4, int(1)], [5, int(0)], [6, int(72)], [7, int(8)]], [mainWeights(rand(72, 4, 0.4))]),
      layer('Convolution', 'pw3', ['c2'], ['c3'], [[0, int(16)], [1, int(1)], [5, int(0)], [6, int(128)], [9, int(1)]], [mainWeights(rand(128, 5, 0.4))]),
      layer('InnerProduct', 'fc', ['c3'], ['emb'], [[0, int(16)], [1, int(1)], [2, int(16 * 16 * 16 * 16)]], [mainWeights(rand(65536, 6, 0.05)), rawWeights(rand(16, 7, 0.1))]),
    ],
  };
  const p = path.join(dir, 'small');
  await writeNcnnModel(m, `${p}.param`, `${p}.bin`);
  return p;
}

const CALIB = 'calibration/images';

test('calibration folder: nested JPEG/PNG found in sorted order; empty folder is a clear error', () => {
  const root = path.join(dir, 'tree');
  mkdirSync(path.join(root, 'b', 'deep'), { recursive: true });
  mkdirSync(path.join(root, 'empty'), { recursive: true });
  writeFileSync(path.join(root, 'b', 'deep', 'x.PNG'), '');
  writeFileSync(path.join(root, 'a.jpeg'), '');
  writeFileSync(path.join(root, 'notes.txt'), '');
  assert.deepEqual(listCalibrationImages(root).map((f) => path.relative(root, f)), ['a.jpeg', path.join('b', 'deep', 'x.PNG')]);
  assert.throws(() => listCalibrationImages(path.join(root, 'empty')), /calibration folder .*empty: no JPEG or PNG images found/);
  assert.throws(() => listCalibrationImages(path.join(root, 'missing')), /calibration folder .*missing: no such folder/);
});

test('quantize: unreadable images are skipped and counted; outputs load in real ncnn', async () => {
  const model = await smallModel();
  const calib = path.join(dir, 'calib');
  mkdirSync(path.join(calib, 'sub'), { recursive: true });
  const names = listCalibrationImages(CALIB).slice(0, 6);
  names.forEach((f, i) => copyFileSync(f, path.join(calib, i % 2 ? 'sub' : '.', path.basename(f))));
  writeFileSync(path.join(calib, 'broken.jpg'), 'not a jpeg');
  writeFileSync(path.join(calib, 'sub', 'truncated.png'), readFileSync(names[0]!).subarray(0, 10));
  const out = path.join(dir, 'small-int8');
  const r = await quantize({
    model: `${model}.param`,
    calib,
    outParam: `${out}.param`,
    outBin: `${out}.bin`,
    preprocess: { width: 32, height: 32 },
    progress: false,
  });
  assert.equal(r.images!.used, 6);
  assert.deepEqual(r.images!.skipped.map((s) => path.basename(s.file)).sort(), ['broken.jpg', 'truncated.png']);
  assert.match(r.images!.skipped[0]!.why, /cannot decode image/);
  assert.deepEqual(r.quantized.sort(), ['conv1', 'dw2', 'fc', 'pw3']);
  // dw2 -> pw3 is a direct INT8 chain: requantize fused
  assert.deepEqual(r.fused, [['dw2', 'pw3']]);
  const t = readTable(r.tablePath);
  assert.deepEqual([...t.inputScales.keys()], ['conv1', 'dw2', 'pw3', 'fc']);
  assert.equal(t.weightScales.get('dw2')!.length, 8);
  const back = readNcnnModel(`${out}.param`, `${out}.bin`);
  assert.equal(back.layers.find((l) => l.name === 'fc')!.weights[0]!.dtype, 'int8');
});

test('quantize: bad requests fail with a message naming what is wrong, and write nothing', async () => {
  const model = await smallModel();
  const out = path.join(dir, 'nothing');
  const base = { model: `${model}.param`, outParam: `${out}.param`, outBin: `${out}.bin`, progress: false, preprocess: { width: 32, height: 32 } };
  const empty = path.join(dir, 'no-images');
  mkdirSync(empty, { recursive: true });
  writeFileSync(path.join(empty, 'broken.jpg'), 'xx');
  await assert.rejects(quantize({ ...base, calib: empty }), /none of the 1 images could be read/);
  await assert.rejects(quantize({ ...base, calib: CALIB, keepFp32: ['conv9'] }), /--keep-fp32: no quantizable layer named 'conv9'/);
  await assert.rejects(quantize({ ...base }), /needs --calib/);
  await assert.rejects(quantize({ ...base, model: path.join(dir, 'missing.param'), calib: CALIB }), /missing\.param: no such file/);
  await assert.rejects(quantize({ ...base, calib: CALIB, auto: true }), /--auto needs --min-cosine/);
  assert.equal(existsSync(`${out}.param`) || existsSync(`${out}.bin`), false);
});

test('quantize: --keep-fp32 and an edited table keep layers FP32, for edgeface and ncnn2int8 alike', async () => {
  const model = await smallModel();
  const out = path.join(dir, 'keep');
  const r = await quantize({
    model: `${model}.param`, calib: CALIB, maxImages: 4, keepFp32: ['conv1'],
    outParam: `${out}.param`, outBin: `${out}.bin`, preprocess: { width: 32, height: 32 }, progress: false,
  });
  assert.equal(r.quantized.includes('conv1'), false);
  const t = readTable(r.tablePath);
  assert.equal(t.inputScales.has('conv1'), false, 'the kept layer has no activation line');
  assert.equal(t.weightScales.has('conv1'), true);
  // the table drives a second run: same INT8 layers, no calibration
  const again = path.join(dir, 'again');
  const r2 = await quantize({ model: `${model}.param`, table: r.tablePath, outParam: `${again}.param`, outBin: `${again}.bin`, progress: false });
  assert.deepEqual(r2.quantized, r.quantized);
  assert.deepEqual(readFileSync(`${again}.bin`), readFileSync(`${out}.bin`));
});
