/**
 * Real models on part of the bundled fold-1 subset, checked against Python references:
 * foamliu MobileFaceNet in onnxruntime-node vs the same model in Python onnxruntime with
 * PIL decoding; insightface MobileFaceNet through the ncnn runner vs direct Python ncnn;
 * the protocol figures of these real embeddings vs the scikit-learn reference.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeSet } from '../../src/eval/decode-set.js';
import { embedSet } from '../../src/eval/embed-set.js';
import { loadLfwPairs } from '../../src/eval/datasets/lfw-pairs.js';
import { evaluateVerification, pairDistances } from '../../src/eval/protocol.js';
import { presetByName } from '../../src/image/preprocess.js';
import { NcnnEmbeddingModel, startNcnnPool } from '../../src/runtime/ncnn-model.js';
import { OnnxEmbeddingModel } from '../../src/runtime/onnx-model.js';
import { FOAMLIU_ONNX, MBF_PARAM, python, smallLfw, pythonReference, tmpDir, writeReferenceInput } from './helpers/common.js';

// 10 folds of 15 + 15 pairs of the bundled subset: real faces, cheap enough for every CI run.
const set = loadLfwPairs({ dir: smallLfw(15) });
const CHECKED = 30; // images re-embedded in Python (every 7th)
const checkedIdx = Array.from({ length: CHECKED }, (_, k) => k * 7);

function pythonEmbeddings(script: string): Float32Array {
  const dir = tmpDir('pyemb');
  const list = path.join(dir, 'images.txt');
  writeFileSync(list, checkedIdx.map((i) => set.images[i]!.source as string).join('\n'));
  const out = path.join(dir, 'emb.f32');
  python(['-c', script, list, out]);
  const buf = readFileSync(out);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function cosines(ts: Float32Array, dim: number, py: Float32Array): number[] {
  return checkedIdx.map((img, k) => {
    let dot = 0, nb = 0;
    for (let d = 0; d < dim; d++) {
      dot += ts[img * dim + d]! * py[k * dim + d]!;
      nb += py[k * dim + d]! ** 2;
    }
    return dot / Math.sqrt(nb); // TS rows are unit length
  });
}

test('onnxruntime-node + sharp equals Python onnxruntime + PIL; protocol equals the reference', async () => {
  const decoded = await decodeSet(set, 112, 112);
  const model = await OnnxEmbeddingModel.load(FOAMLIU_ONNX);
  const emb = await embedSet(model, decoded, presetByName('imagenet'));
  await model.close();
  const py = pythonEmbeddings(`
import sys, numpy as np, onnxruntime as ort
from PIL import Image
s = ort.InferenceSession(${JSON.stringify(FOAMLIU_ONNX)}, providers=['CPUExecutionProvider'])
mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
std = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)
out = []
for f in open(sys.argv[1]).read().split('\\n'):
    x = np.asarray(Image.open(f).convert('RGB'), np.float32).transpose(2, 0, 1) / 255.0
    out.append(s.run(None, {'input0': ((x - mean) / std)[None]})[0][0])
np.asarray(out, np.float32).tofile(sys.argv[2])
`);
  const cos = cosines(emb.embeddings, emb.dim, py);
  assert.ok(Math.min(...cos) > 0.99999, `min cosine TS vs Python ${Math.min(...cos)}`);

  const ts = evaluateVerification(pairDistances(emb.embeddings, emb.dim, set.pairs), set.pairs.map((p) => p.same));
  const dir = tmpDir('ref-real');
  writeReferenceInput(dir, emb.embeddings, emb.dim, set.pairs);
  const ref = pythonReference(dir);
  assert.ok(Math.abs(ts.accuracyMean - ref.accuracyMean) < 1e-6);
  assert.ok(Math.abs(ts.accuracyStd - ref.accuracyStd) < 1e-6);
  assert.ok(Math.abs(ts.auc - ref.auc) < 1e-6);
  assert.ok(Math.abs(ts.tarAtFar - ref.tarAtFar) < 1e-6);
  // A real face model: fold 1 of LFW is easy for it.
  assert.ok(ts.accuracyMean > 0.97, `accuracy ${ts.accuracyMean}`);
});

test('ncnn runner pool (FP32) equals direct Python ncnn on the same crops', async () => {
  const decoded = await decodeSet(set, 112, 112);
  const pool = await startNcnnPool(2);
  const model = await NcnnEmbeddingModel.load(pool, MBF_PARAM, { fp16: false });
  try {
    const emb = await embedSet(model, decoded, presetByName('raw'));
    const py = pythonEmbeddings(`
import sys, numpy as np, ncnn
from PIL import Image
net = ncnn.Net(); net.opt.num_threads = 1
net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
net.load_param(${JSON.stringify(MBF_PARAM)}); net.load_model(${JSON.stringify(MBF_PARAM.replace(/\.param$/, '.bin'))})
out = []
for f in open(sys.argv[1]).read().split('\\n'):
    x = np.ascontiguousarray(np.asarray(Image.open(f).convert('RGB'), np.float32).transpose(2, 0, 1))
    ex = net.create_extractor(); ex.input('data', ncnn.Mat(x).clone())
    out.append(np.array(ex.extract('fc1')[1]).copy())
np.asarray(out, np.float32).tofile(sys.argv[2])
`);
    const cos = cosines(emb.embeddings, emb.dim, py);
    assert.ok(Math.min(...cos) > 0.999999, `min cosine runner vs direct ${Math.min(...cos)}`);
    const r = evaluateVerification(pairDistances(emb.embeddings, emb.dim, set.pairs), set.pairs.map((p) => p.same));
    assert.ok(r.accuracyMean > 0.97, `accuracy ${r.accuracyMean}`);
  } finally {
    await model.close();
    await Promise.all(pool.map((p) => p.close()));
  }
});
