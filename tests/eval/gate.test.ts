/**
 * The CI gate end to end through the CLI, with genuinely INT8 ncnn models run by the real
 * runtime: a well-calibrated one passes --max-drop/--min-cosine, a badly calibrated one
 * fails with exit 1 and a one-line reason. Also the JSON and ROC outputs, and pairing.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeSet } from '../../src/eval/decode-set.js';
import { loadLfwPairs } from '../../src/eval/datasets/lfw-pairs.js';
import { pairUp } from '../../src/eval/run-eval.js';
import { presetByName, toModelInput } from '../../src/image/preprocess.js';
import { openNcnnNet } from '../../src/runtime/ncnn.js';
import { inspectNcnnParam } from '../../src/runtime/ncnn-model.js';
import { MBF_PARAM, SUBSET, runCli, smallLfw, tmpDir } from './helpers/common.js';
import { writeInt8Mbf } from './helpers/int8-fixture.js';

let good: string;
let bad: string;
let out: string;
let lfw: string;

before(async () => {
  // Calibrate the INT8 layer's input scale on 32 images with the real FP32 runtime.
  const set = loadLfwPairs({ dir: SUBSET });
  set.images = set.images.slice(0, 32);
  const decoded = await decodeSet(set, 112, 112);
  const per = 3 * 112 * 112;
  const x = new Float32Array(32 * per);
  decoded.pixels.forEach((p, i) => toModelInput(p, 112, 112, presetByName('raw'), x, i * per));
  const net = await openNcnnNet(MBF_PARAM);
  const act = await net.runBatch(32, { data: { data: x, shape: [3, 112, 112] } }, ['conv_6dw7_7_batchnorm']);
  await net.close();
  const absMax = act.conv_6dw7_7_batchnorm!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  out = tmpDir('gate');
  lfw = smallLfw(10); // 200 pairs keep the CLI runs cheap
  good = writeInt8Mbf(out, 'mbf-int8', absMax);
  bad = writeInt8Mbf(out, 'mbf-int8-coarse', absMax, 0.004); // inputs collapse to a few int8 levels
});

test('fixtures are INT8 as ncnn sees them', () => {
  assert.equal(inspectNcnnParam(good).quantized, true);
  assert.equal(inspectNcnnParam(MBF_PARAM).quantized, false);
});

test('well-calibrated INT8 passes the gate; JSON and ROC PNG are written', async () => {
  const json = path.join(out, 'report.json');
  const roc = path.join(out, 'roc.png');
  const r = runCli([MBF_PARAM, good, '--lfw', lfw, '--preset', 'raw', '--max-drop', '0.5', '--min-cosine', '0.99', '--json', json, '--roc', roc]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mbf-int8\.param \[fp32\+int8\]\s+ncnn\s+int8\s+9\d\.\d\d% ±/);
  assert.match(r.stdout, /gate passed \(1 quantized model checked\)/);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.models.length, 2);
  assert.equal(report.models[1].precision, 'int8');
  assert.equal(report.comparisons[0].kind, 'quantized');
  assert.ok(report.comparisons[0].cosineMean > 0.99);
  assert.ok(Math.abs(report.comparisons[0].accuracyDropPp) <= 0.5);
  assert.equal(report.gate.ok, true);
  assert.equal(report.models[0].result.foldAccuracies.length, 10);
  const meta = await sharp(roc).metadata();
  assert.equal(meta.format, 'png');
  assert.ok(meta.width! >= 600 && meta.height! >= 400);
});

test('badly calibrated INT8 fails the gate with exit 1 and a one-line reason', () => {
  const r = runCli([MBF_PARAM, bad, '--lfw', lfw, '--preset', 'raw', '--max-drop', '0.5']);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^gate failed: mbf-int8-coarse\.param \[fp32\+int8\] vs insightface-mbf-y1\.param \[fp32\]: accuracy drops \d+\.\d\d pp .* more than --max-drop 0\.5$/);
  assert.match(r.stdout, /pairs decided differently by mbf-int8-coarse/);
  assert.ok(!existsSync(path.join(out, 'never.json')));
});

test('gate flags without a quantized model are an error, not a silent pass', () => {
  const r = runCli([MBF_PARAM, '--preset', 'raw', '--max-drop', '0.5', '--lfw', SUBSET, '--folds', '10']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /need a quantized model/);
});

test('pairUp: candidates against the nearest FP32 model before them; runtimes against the first', () => {
  const ref = { role: 'reference' as const };
  const cand = { role: 'candidate' as const };
  assert.deepEqual(pairUp([ref, ref, cand]), [['agreement', 0, 1], ['quantized', 1, 2]]);
  assert.deepEqual(pairUp([cand, ref]), [['quantized', 1, 0]]);
  assert.deepEqual(pairUp([ref, cand, ref, cand]), [['quantized', 0, 1], ['agreement', 0, 2], ['quantized', 2, 3]]);
});
