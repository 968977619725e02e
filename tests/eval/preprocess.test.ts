/** Preprocessing sources (ONNX metadata, flags), the pixel transform, flip test and batching. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { decodeSet } from '../../src/eval/decode-set.js';
import { embedSet } from '../../src/eval/embed-set.js';
import { loadLfwPairs } from '../../src/eval/datasets/lfw-pairs.js';
import { runEval } from '../../src/eval/run-eval.js';
import { presetByName, toModelInput, type Preprocess } from '../../src/image/preprocess.js';
import type { EmbeddingModel } from '../../src/runtime/embedding-model.js';
import { readOnnxMetadata } from '../../src/runtime/onnx-metadata.js';
import { SUBSET, python, smallLfw, tmpDir } from './helpers/common.js';

test('toModelInput: channel order, (x - mean) / std, CHW, mirror', () => {
  // 2x1 image: left pixel (10, 20, 30), right pixel (40, 50, 60).
  const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60]);
  const p: Preprocess = { color: 'BGR', mean: [1, 2, 3], std: [2, 4, 8], width: 2, height: 1 };
  const out = new Float32Array(6);
  toModelInput(rgb, 2, 1, p, out, 0);
  assert.deepEqual([...out], [(30 - 1) / 2, (60 - 1) / 2, (20 - 2) / 4, (50 - 2) / 4, (10 - 3) / 8, (40 - 3) / 8]);
  toModelInput(rgb, 2, 1, p, out, 0, true);
  assert.deepEqual([...out], [(60 - 1) / 2, (30 - 1) / 2, (50 - 2) / 4, (20 - 2) / 4, (40 - 3) / 8, (10 - 3) / 8]);
});

test('each unique image is listed (and so decoded) once', () => {
  const set = loadLfwPairs({ dir: SUBSET });
  assert.equal(set.pairs.length, 600);
  assert.equal(set.images.length, 807);
  assert.equal(new Set(set.images.map((i) => i.source)).size, 807);
});

/** A model whose output depends on where pixels are, so mirroring matters. */
class ProbeModel implements EmbeddingModel {
  readonly label = 'probe';
  readonly runtime = 'test';
  readonly inputShape: [number, number, number] = [3, 112, 112];
  readonly preferredBatch = 5;
  calls: number[] = [];
  async embed(batch: Float32Array, n: number): Promise<Float32Array> {
    this.calls.push(n);
    const per = 3 * 112 * 112;
    const out = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const x = batch.subarray(i * per, (i + 1) * per);
      out[i * 3] = x[0]! + 2; // top-left red
      out[i * 3 + 1] = x[111]! + 2; // top-right red
      out[i * 3 + 2] = x[112 * 112 + 56 * 112 + 56]! + 2;
    }
    return out;
  }
  async close(): Promise<void> {}
}

test('flip test adds the mirrored embedding; batching does not change results', async () => {
  const set = loadLfwPairs({ dir: smallLfw(1) });
  const decoded = await decodeSet(set, 112, 112);
  const pre = presetByName('arcface');
  const flipped = await embedSet(new ProbeModel(), decoded, pre, { flip: true, batch: 6 });
  const plain = await embedSet(new ProbeModel(), decoded, pre, { batch: 1 });
  const plainBig = await embedSet(new ProbeModel(), decoded, pre, { batch: 64 });
  assert.deepEqual([...plain.embeddings], [...plainBig.embeddings]);
  decoded.pixels.forEach((px, i) => {
    const v = (x: number, y: number) => (px[(y * 112 + x) * 3]! - 127.5) / 127.5 + 2;
    const g = (px[(56 * 112 + 56) * 3 + 1]! - 127.5) / 127.5 + 2;
    const g2 = (px[(56 * 112 + 55) * 3 + 1]! - 127.5) / 127.5 + 2;
    const sum = [v(0, 0) + v(111, 0), v(111, 0) + v(0, 0), g + g2];
    const n = Math.hypot(...sum);
    sum.forEach((s, k) => assert.ok(Math.abs(flipped.embeddings[i * 3 + k]! - s / n) < 1e-6, `image ${i} dim ${k}`));
  });
});

test('ONNX metadata_props edgeface.* set the preprocessing; flags override them', async () => {
  const dir = tmpDir('meta');
  const file = path.join(dir, 'tiny.onnx');
  // A tiny embedding model: per-channel global average pool, flattened to 3-d.
  python(['-c', `
import onnx
from onnx import helper, TensorProto
x = helper.make_tensor_value_info('img', TensorProto.FLOAT, ['N', 3, 112, 112])
y = helper.make_tensor_value_info('emb', TensorProto.FLOAT, ['N', 3])
g = helper.make_graph([helper.make_node('GlobalAveragePool', ['img'], ['p']), helper.make_node('Flatten', ['p'], ['emb'])], 'tiny', [x], [y])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
for k, v in {'edgeface.color': 'BGR', 'edgeface.mean': '10,20,30', 'edgeface.std': '2,2,2', 'edgeface.input_size': '112,112'}.items():
    e = m.metadata_props.add(); e.key = k; e.value = v
onnx.save(m, ${JSON.stringify(file)})
`]);
  const meta = await readOnnxMetadata(file);
  assert.equal(meta['edgeface.color'], 'BGR');
  const lfw = smallLfw(1);
  const fromMeta = await runEval({ models: [file], dataset: { lfw } });
  assert.equal(fromMeta.models[0]!.preprocessFrom, 'ONNX metadata');
  assert.deepEqual(fromMeta.models[0]!.preprocess, { color: 'BGR', mean: [10, 20, 30], std: [2, 2, 2], width: 112, height: 112 });
  const overridden = await runEval({ models: [file], dataset: { lfw }, preprocess: { color: 'RGB' } });
  assert.equal(overridden.models[0]!.preprocess.color, 'RGB');
  assert.deepEqual(overridden.models[0]!.preprocess.mean, [10, 20, 30]);
  assert.equal(overridden.models[0]!.preprocessFrom, 'ONNX metadata + flags');
});
