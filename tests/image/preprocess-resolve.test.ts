/** The one preprocessing model: parsers, the order of precedence, the size check, the sidecar's on-disk form. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseInputSizeFlag,
  parseInputSizeMetadata,
  preprocessFromFlags,
  preprocessFromMetadata,
  resolvePreprocess,
  sizeFromNchw,
} from '../../src/image/preprocess.js';
import { findSidecar, readSidecar, writeSidecar } from '../../src/ncnn/sidecar.js';

test('flags are width first (WxH), metadata height first (H,W, as export_onnx.py writes it)', () => {
  assert.deepEqual(parseInputSizeFlag('96x112', '--input-size'), { width: 96, height: 112 });
  assert.deepEqual(parseInputSizeFlag('112', '--input-size'), { width: 112, height: 112 });
  assert.throws(() => parseInputSizeFlag('96,112', '--input-size'), /--input-size: input size must be WxH/);
  assert.deepEqual(parseInputSizeMetadata('112,96', 'm.onnx'), { width: 96, height: 112 });
  assert.deepEqual(preprocessFromMetadata({ 'edgeface.input_size': '112,96', 'edgeface.color': 'BGR' }, 'm'), { color: 'BGR', width: 96, height: 112 });
  assert.throws(() => preprocessFromMetadata({ 'edgeface.mean': '1,2' }, 'm.onnx'), /m\.onnx edgeface\.mean: mean must be 3/);
  assert.deepEqual(sizeFromNchw([1, 3, 112, 96]), { width: 96, height: 112 });
  assert.equal(sizeFromNchw(['N', 3, 'H', 'W']), undefined);
});

test('precedence: flags over sidecar over metadata over the default, key by key', () => {
  const meta = { from: 'ONNX metadata', values: { color: 'BGR' as const, mean: [1, 2, 3] as [number, number, number], std: [4, 4, 4] as [number, number, number] } };
  const side = { from: 'm.param.json', values: { mean: [5, 5, 5] as [number, number, number] } };
  const flags = { from: 'flags', values: preprocessFromFlags({ std: '2' })! };
  const r = resolvePreprocess([meta, side, flags], { width: 96, height: 112 });
  assert.deepEqual(r.preprocess, { color: 'BGR', mean: [5, 5, 5], std: [2, 2, 2], width: 96, height: 112 });
  assert.equal(r.from, 'ONNX metadata + m.param.json + flags');
  const none = resolvePreprocess([undefined, { from: 'flags', values: {} }]);
  assert.deepEqual(none.preprocess, { color: 'RGB', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], width: 112, height: 112 });
  assert.equal(none.from, 'default (arcface)');
  // a preset flag names the normalisation only: the model's size stays
  assert.equal(preprocessFromFlags({ preset: 'imagenet' })!.width, undefined);
});

test("the model's static input size wins; a layer naming another size is an error", () => {
  const size = { width: 96, height: 112 };
  assert.deepEqual(resolvePreprocess([{ from: 'ONNX metadata', values: { color: 'RGB' } }], size).preprocess.width, 96);
  assert.throws(
    () => resolvePreprocess([{ from: 'flags', values: { width: 112, height: 96 } }], size, 'm.onnx'),
    /^EdgefaceError: m\.onnx: input size 112x96 \(WxH\) from flags disagrees with the model's input, 96x112$/,
  );
  // without a static size (an ncnn Input layer with no dims), the layers give it
  assert.deepEqual(resolvePreprocess([{ from: 'flags', values: { width: 96, height: 112 } }]).preprocess.height, 112);
});

test('sidecar: named width/height in memory, size [height, width] on disk; int8 copies find their source', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-sidecar-'));
  const param = path.join(dir, 'm.param');
  const pre = { color: 'RGB' as const, mean: [1, 2, 3] as [number, number, number], std: [4, 5, 6] as [number, number, number], width: 96, height: 112 };
  await writeSidecar(param, { source: 'm.onnx', inputs: [{ name: 'data', shape: [1, 3, 112, 96] }], outputs: ['fc1'], preprocess: pre });
  const onDisk = JSON.parse(readFileSync(`${param}.json`, 'utf8'));
  assert.deepEqual(onDisk.preprocess, { color: 'RGB', mean: [1, 2, 3], std: [4, 5, 6], size: [112, 96] });
  assert.deepEqual(readSidecar(param)!.preprocess, pre);
  assert.equal(findSidecar(path.join(dir, 'm-int8.param'))!.file, `${param}.json`);
  assert.equal(findSidecar(path.join(dir, 'other.param')), undefined);
  writeFileSync(path.join(dir, 'bad.param.json'), '{"inputs": [], "outputs": [], "preprocess": {"color": "RGB", "mean": [0,0,0], "std": [1,1,1], "size": [112]}}');
  assert.throws(() => readSidecar(path.join(dir, 'bad.param')), /bad\.param\.json: preprocess\.size must be \[height, width\]/);
  writeFileSync(path.join(dir, 'junk.param.json'), '{oops');
  assert.throws(() => readSidecar(path.join(dir, 'junk.param')), /junk\.param\.json: not a readable sidecar/);
});
