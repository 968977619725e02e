/**
 * The real pretrained MobileFaceNets of ../shared/models, quantized with edgeface's default
 * settings on a slice of calibration/, run FP32 and INT8 in the real ncnn runtime on 200
 * held-out LFW faces (people in LFW pairs, never in calibration/). The bars are the figures
 * of ncnn's own ncnn2table + ncnn2int8 in ../shared/models/README.md (calibrated there on
 * 1,548 faces): edgeface must not be worse on the same models, and must reach the issue's
 * mean cosine of 0.995 with its default method.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { presetByName } from '../../src/image/preprocess.js';
import { NcnnRuntime } from '../../src/runtime/ncnn.js';
import { convertAndWrite } from '../../src/convert/convert.js';
import { quantize } from '../../src/quantize/quantize.js';
import { SHARED_MODELS as MODELS } from '../shared-data.js';
import { haveSharedData, heldOutImages } from './heldout.js';
import { embeddingCosine, loadInputs } from './embeddings.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-real-q-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const skip = haveSharedData() ? false : '../shared models/LFW not present';

test('insightface-mbf-y1 (ncnn format, raw pixels): INT8 beats the ncnn2table+ncnn2int8 figures', { skip }, async () => {
  const fp32 = { param: path.join(MODELS, 'insightface-mbf-y1.param'), bin: path.join(MODELS, 'insightface-mbf-y1.bin') };
  const out = path.join(dir, 'mbf-int8');
  const pre = presetByName('raw');
  const r = await quantize({ model: fp32.param, calib: 'calibration/images', maxImages: 32, preprocess: pre, outParam: `${out}.param`, outBin: `${out}.bin`, progress: false });
  // the global 7x7 depthwise (and the two cheap 7x7-map depthwise layers) stay FP32 by default
  assert.deepEqual(r.keptFp32, ['res_5_block0_conv_dw_conv2d', 'res_5_block1_conv_dw_conv2d', 'conv_6dw7_7_conv2d']);
  assert.equal(r.quantized.length, 47);
  // the .bin shrinks by ~4x on the quantized weights (BatchNorm/PReLU stay float32)
  assert.equal(r.weightBytesFp32 / r.weightBytesInt8, 4);
  assert.ok(statSync(`${out}.bin`).size < 0.35 * statSync(fp32.bin).size);
  const rt = await NcnnRuntime.start();
  try {
    const c = await embeddingCosine(rt, fp32, { param: `${out}.param`, bin: `${out}.bin` }, await loadInputs(heldOutImages(200), pre), { input: 'data', output: 'fc1' });
    console.log(`insightface-mbf-y1 INT8 vs FP32 on 200 held-out faces: mean ${c.mean.toFixed(4)} min ${c.min.toFixed(4)} (ncnn2table+ncnn2int8: 0.989 / 0.959)`);
    assert.ok(c.mean >= MBF_MEAN, `mean cosine ${c.mean}`);
    assert.ok(c.min >= 0.959, `min cosine ${c.min}`);
  } finally {
    await rt.close();
  }
});

test('foamliu-mobilefacenet (ONNX via onnxruntime statistics): INT8 beats the ncnn2table+ncnn2int8 figures', { skip }, async () => {
  const onnx = path.join(MODELS, 'foamliu-mobilefacenet.onnx');
  const fp32 = { param: path.join(dir, 'foam.param'), bin: path.join(dir, 'foam.bin') };
  await convertAndWrite(onnx, fp32);
  const out = path.join(dir, 'foam-int8');
  const pre = presetByName('imagenet');
  const r = await quantize({ model: onnx, calib: 'calibration/images', maxImages: 64, preprocess: pre, outParam: `${out}.param`, outBin: `${out}.bin`, progress: false });
  assert.ok(r.keptFp32.includes('/gdconv/depthwise/Conv'));
  assert.equal(r.quantized.length, 51 - r.keptFp32.length);
  const rt = await NcnnRuntime.start();
  try {
    const c = await embeddingCosine(rt, fp32, { param: `${out}.param`, bin: `${out}.bin` }, await loadInputs(heldOutImages(200), pre), { input: 'input0', output: 'output0' });
    console.log(`foamliu-mobilefacenet INT8 vs FP32 on 200 held-out faces: mean ${c.mean.toFixed(4)} min ${c.min.toFixed(4)} (ncnn2table+ncnn2int8: 0.948 / 0.856)`);
    assert.ok(c.mean >= FOAM_MEAN, `mean cosine ${c.mean}`);
    assert.ok(c.min >= 0.856, `min cosine ${c.min}`);
  } finally {
    await rt.close();
  }
});

// the issue's bar (>= 0.995 mean), above ncnn2table+ncnn2int8's 0.989 / 0.948 on these models
const MBF_MEAN = 0.995;
const FOAM_MEAN = 0.995;
