/**
 * The typed header of a non-square BGR model with ImageNet-style normalisation: width and
 * height from the model's input (96 wide, 112 high), channel order and mean/norm in
 * substract_mean_normalize form from the ONNX metadata, embedding size from the runtime.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { emitModel } from '../../src/emit/emit.js';
import { pythonInterpreter } from '../../src/runtime/python.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-emit-th-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('112x96 BGR model with ImageNet normalisation: width 96, height 112, BGR, mean = 255 m, norm = 1 / (255 s)', async () => {
  const onnx = path.join(dir, 'tall.onnx');
  const m = [0.406, 0.456, 0.485].map((v) => v * 255);
  const s = [0.225, 0.224, 0.229].map((v) => v * 255);
  await execa(pythonInterpreter(), ['-c', `
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
w = np.random.default_rng(3).standard_normal((24, 3 * 112 * 96)).astype(np.float32) / 100
x = helper.make_tensor_value_info('img', TensorProto.FLOAT, [1, 3, 112, 96])
y = helper.make_tensor_value_info('emb', TensorProto.FLOAT, [1, 24])
g = helper.make_graph([helper.make_node('Flatten', ['img'], ['f']), helper.make_node('Gemm', ['f', 'w'], ['emb'], transB=1)],
                      'tall', [x], [y], initializer=[numpy_helper.from_array(w, 'w')])
mo = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
mo.ir_version = 8
for k, v in {'edgeface.color': 'BGR', 'edgeface.mean': ${JSON.stringify(m.join(','))}, 'edgeface.std': ${JSON.stringify(s.join(','))}}.items():
    e = mo.metadata_props.add(); e.key = k; e.value = v
onnx.save(mo, ${JSON.stringify(onnx)})
`]);
  const res = await emitModel({ model: onnx, outDir: path.join(dir, 'out'), outputs: ['typed-header'] });
  const spec = res.spec!;
  assert.deepEqual([spec.name, spec.inputWidth, spec.inputHeight, spec.pixelOrder, spec.embeddingSize, spec.inputName, spec.outputName], ['tall', 96, 112, 'BGR', 24, 'img', 'emb']);
  spec.mean.forEach((v, i) => assert.ok(Math.abs(v - m[i]!) < 1e-9));
  spec.norm.forEach((v, i) => assert.ok(Math.abs(v - 1 / s[i]!) < 1e-12));
  const h = readFileSync(path.join(dir, 'out', 'edgeface_tall.h'), 'utf8');
  assert.match(h, /^ {4}96, \/\* input_width \*\/$/m);
  assert.match(h, /^ {4}112, \/\* input_height \*\/$/m);
  assert.match(h, /^ {4}EDGEFACE_BGR,$/m);
  assert.match(h, /^#define EDGEFACE_TALL_EMBEDDING_SIZE 24$/m);
});
