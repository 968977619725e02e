/**
 * What `edgeface emit` writes runs in the real (PyPI) ncnn runtime: the .param.bin loads
 * with load_param_bin, and extracting by blob index (the typed header's and the .id.h's
 * numbers) gives bit for bit what the text model gives extracted by name. On the bundled
 * model FP32 and INT8, and on a model with non-ASCII names and two outputs.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { convertAndWrite } from '../../src/convert/convert.js';
import { emitModel } from '../../src/emit/emit.js';
import { quantize } from '../../src/quantize/quantize.js';
import { pythonInterpreter } from '../../src/runtime/python.js';
import { ODD_NAMES_OUTPUTS, ODD_NAMES_PARAM, oddNamesBin, writeModel } from './hand-models.js';
import { idConstants } from './id-constants.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-emit-rt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Check { name: string; shape: number[]; identical: boolean; max_abs_diff: number | null; nonzero: boolean }
interface Blob { name: string; index: number }

async function runBoth(param: string, bin: string, paramBin: string, inputs: Array<Blob & { shape: number[] }>, outputs: Blob[], int8 = false): Promise<Check[]> {
  const req = { param, bin, param_bin: paramBin, inputs, outputs, int8 };
  const r = await execa(pythonInterpreter(), ['tests/emit/param_bin_check.py', JSON.stringify(req)]);
  return JSON.parse(r.stdout) as Check[];
}

let mbf = '';
before(async () => {
  mbf = path.join(dir, 'edgeface-mbf');
  await convertAndWrite('models/edgeface-mbf.onnx', { param: `${mbf}.param`, bin: `${mbf}.bin` });
});

test('bundled model: typed header facts, and .param.bin by index == text .param by name (bit for bit)', async () => {
  const out = path.join(dir, 'mbf');
  const res = await emitModel({ model: 'models/edgeface-mbf.onnx', outDir: out, name: 'mbf' });
  const s = res.spec!;
  const ids = idConstants(path.join(out, 'mbf.id.h'));
  assert.equal(s.inputBlob, ids.get('BLOB_data'));
  assert.equal(s.outputBlob, ids.get('BLOB_fc1'));
  assert.deepEqual([s.inputName, s.outputName, s.inputWidth, s.inputHeight, s.embeddingSize, s.int8, s.pixelOrder], ['data', 'fc1', 112, 112, 512, false, 'RGB']);
  assert.deepEqual(s.mean, [127.5, 127.5, 127.5]);
  assert.deepEqual(s.norm, [1 / 127.5, 1 / 127.5, 1 / 127.5]);
  const sha = createHash('sha256').update(readFileSync(path.join(out, 'mbf.param.bin'))).update(readFileSync(path.join(out, 'mbf.bin'))).digest('hex');
  assert.equal(s.sha256, sha);
  assert.match(readFileSync(path.join(out, 'edgeface_mbf.h'), 'latin1'), new RegExp(`"${sha}"`));
  const [c] = await runBoth(`${mbf}.param`, path.join(out, 'mbf.bin'), path.join(out, 'mbf.param.bin'),
    [{ name: 'data', index: s.inputBlob, shape: [3, 112, 112] }], [{ name: 'fc1', index: s.outputBlob }]);
  assert.ok(c!.identical && c!.nonzero, JSON.stringify(c));
  assert.deepEqual(c!.shape, [512]);
});

test('bundled model INT8: typed header says int8, .param.bin by index == text by name with int8 inference', async () => {
  const q = path.join(dir, 'edgeface-mbf-int8');
  await quantize({ model: `${mbf}.param`, calib: 'calibration/images', maxImages: 8, outParam: `${q}.param`, outBin: `${q}.bin`, progress: false });
  const out = path.join(dir, 'int8');
  const res = await emitModel({ model: `${q}.param`, outDir: out });
  const s = res.spec!;
  assert.equal(res.name, 'edgeface_mbf_int8');
  assert.equal(s.int8, true);
  assert.equal(s.embeddingSize, 512);
  const [c] = await runBoth(`${q}.param`, `${q}.bin`, path.join(out, `${res.name}.param.bin`),
    [{ name: 'data', index: s.inputBlob, shape: [3, 112, 112] }], [{ name: 'fc1', index: s.outputBlob }], true);
  assert.ok(c!.identical && c!.nonzero, JSON.stringify(c));
});

test('non-ASCII names and two outputs: both outputs by .id.h index == by name', async () => {
  const m = writeModel(path.join(dir, 'odd names.v2'), ODD_NAMES_PARAM, oddNamesBin());
  const out = path.join(dir, 'odd');
  const res = await emitModel({ model: m.param, outDir: out, output: 'sortie_ü' });
  assert.equal(res.name, 'odd_names_v2');
  const ids = idConstants(path.join(out, 'odd_names_v2.id.h'));
  const index = (n: string) => ids.get(`BLOB_${Buffer.from(n).toString('latin1').replace(/[^A-Za-z0-9]/g, '_')}`)!;
  assert.equal(res.spec!.outputBlob, index('sortie_ü'));
  assert.equal(res.spec!.embeddingSize, 2 * 4 * 8);
  const checks = await runBoth(m.param, m.bin, path.join(out, 'odd_names_v2.param.bin'),
    [{ name: 'données', index: index('données'), shape: [3, 4, 8] }], ODD_NAMES_OUTPUTS.map((n) => ({ name: n, index: index(n) })));
  assert.equal(checks.length, 2);
  for (const c of checks) assert.ok(c.identical && c.nonzero, JSON.stringify(c));
});

test('a model with two outputs and no --output: one-line error asking for it', async () => {
  const m = writeModel(path.join(dir, 'two'), ODD_NAMES_PARAM, oddNamesBin());
  await assert.rejects(emitModel({ model: m.param, outDir: path.join(dir, 'two-out') }), /has 2 outputs \(out\.1, sortie_ü\); name the embedding with --output/);
});

test('a layer type newer than the 2022 tree (Erf and CELU, enum 100 and 102 in the runtime) loads from .param.bin and runs the same', async () => {
  const m = writeModel(path.join(dir, 'newer'), `7767517\n3 3\nInput in 0 1 in 0=8 1=4 2=3\nErf erf 1 1 in e\nCELU celu 1 1 e out 0=1.5\n`, Buffer.alloc(0));
  const out = path.join(dir, 'newer-out');
  await emitModel({ model: m.param, outDir: out, outputs: ['param-bin'] });
  const pb = readFileSync(path.join(out, 'newer.param.bin'));
  assert.equal(pb.readInt32LE(12 + 4 * 4 + 3 * 8 + 4), 100, 'Erf written as type 100');
  assert.equal(pb.readInt32LE(12 + 44 + 24), 102, 'CELU written as type 102');
  const ids = idConstants(path.join(out, 'newer.id.h'));
  const [c] = await runBoth(m.param, m.bin, path.join(out, 'newer.param.bin'), [{ name: 'in', index: ids.get('BLOB_in')!, shape: [3, 4, 8] }], [{ name: 'out', index: ids.get('BLOB_out')! }]);
  assert.ok(c!.identical && c!.nonzero, JSON.stringify(c));
});
