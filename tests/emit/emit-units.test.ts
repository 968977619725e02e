/**
 * Units of `edgeface emit`: the layer type enum against ncnn's source tree and the runtime,
 * ncnn's float parser, the 15-character value limit, and the clear errors where ncnn2mem
 * would write a broken model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { NCNN_LAYER_TYPES_2022, NCNN_LAYER_TYPES_LATER, layerTypeIndex } from '../../src/ncnn/layer-type-index.js';
import { paramTextToBin } from '../../src/ncnn/param-bin-writer.js';
import { vstrToFloat } from '../../src/ncnn/param-value-text.js';
import { formatFloat } from '../../src/ncnn/param-writer.js';
import { pythonInterpreter } from '../../src/runtime/python.js';
import { CUSTOM_PARAM } from './hand-models.js';

const TREE = path.resolve('.cache/ncnn-src/src/CMakeLists.txt');

test("layer type enum = ncnn_add_layer order of the October 2022 tree's src/CMakeLists.txt", { skip: existsSync(TREE) ? false : 'ncnn source tree not fetched (tools/ncnn_build/fetch-source.sh)' }, () => {
  const names = [...readFileSync(TREE, 'utf8').matchAll(/^ncnn_add_layer\((\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(names, NCNN_LAYER_TYPES_2022);
});

test('layer type enum = the PyPI runtime layer_to_index, 2022 types and later ones', async () => {
  const all = [...NCNN_LAYER_TYPES_2022, ...NCNN_LAYER_TYPES_LATER];
  const r = await execa(pythonInterpreter(), ['-c', 'import ncnn, json, sys; n = json.load(sys.stdin); print(json.dumps([ncnn.layer_to_index(x) for x in n]))'], { input: JSON.stringify([...all, 'MyNorm']) });
  const got = JSON.parse(r.stdout) as number[];
  assert.deepEqual(got, [...all.map((_, i) => i), -1]);
  assert.equal(layerTypeIndex('Convolution'), 6);
  assert.equal(layerTypeIndex('MyNorm'), undefined);
});

test("ncnn's float parser: plain, exponent, leading dot, uint32 wrap of long fractions", () => {
  assert.equal(vstrToFloat('1.000000e-01'), Math.fround(0.1));
  assert.equal(vstrToFloat('-1.5E+2'), -150);
  assert.equal(vstrToFloat('.5'), 0.5);
  assert.equal(vstrToFloat('1e+38'), Math.fround(1e38));
  // 11 fraction digits: ncnn's 32-bit pow10 wraps (10^11 mod 2^32), so it is not 0.12345678901
  const wrapped = Math.fround(((12345678901 % 2 ** 32) >>> 0) / ((10 ** 11 % 2 ** 32) >>> 0));
  assert.equal(vstrToFloat('0.12345678901'), wrapped);
  assert.notEqual(wrapped, Math.fround(0.12345678901));
});

test('float params the converter writes fit ncnn\'s 15 characters and read back exactly through ncnn\'s parser', () => {
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let worst = 0;
  for (let i = 0; i < 20000; i++) {
    const v = Math.fround((rnd() - 0.5) * 10 ** Math.floor(rnd() * 76 - 38));
    const s = formatFloat(v);
    worst = Math.max(worst, s.length);
    assert.ok(s.length <= 15, `${v} -> '${s}' (${s.length} chars)`);
    assert.equal(vstrToFloat(s), v, `${v} -> '${s}' -> ${vstrToFloat(s)}`);
  }
  assert.equal(formatFloat(-1.23456789e-5), '-1.23456794e-5');
  assert.ok(worst === 15);
});

const bad = (text: string, re: RegExp) => assert.throws(() => paramTextToBin(text, 'x.param'), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
const head = (layers: number, blobs: number, body: string) => `7767517\n${layers} ${blobs}\n${body}`;

test('clear errors where ncnn2mem would write a broken model', () => {
  bad(head(2, 3, 'Input in 0 1 a.b\nInput in2 0 1 a_b\n'), /^x\.param:4: blob names 'a\.b' and 'a_b' both become BLOB_a_b/);
  bad(head(2, 2, 'Input in_ 0 1 a\nInput in. 0 1 b\n'), /layer names 'in_' and 'in\.' both become LAYER_in_/);
  bad(head(1, 1, 'Clip c 0 1 a 0=-0.0000123456794\n'), /value '-0\.0000123456794' is longer than 15 characters/);
  bad(head(1, 1, 'ReLU r 1 1 nowhere a\n'), /layer 'r' reads blob 'nowhere', which no earlier layer produces/);
  bad(head(1, 1, `Input ${'n'.repeat(257)} 0 1 a\n`), /longer than 256 bytes/);
  bad(head(1, 1, 'Input in 0 1 a 0=abc\n'), /bad int value 'abc'/);
  bad(head(1, 1, 'Input in 0 1 a -23300=3,1,2\n'), /length does not match/);
  bad(head(2, 2, 'Input in 0 1 a\n'), /unexpected end of file/);
  bad(head(1, 2, 'Input in 0 1 a\n'), /header says 2 blobs, layers produce 1/);
  bad('7767518\n0 0\n', /not an ncnn \.param file/);
});

test('custom layer types get 256 | first-use slot, repeated types reuse it', () => {
  const pb = paramTextToBin(CUSTOM_PARAM, 'custom.param');
  assert.deepEqual(pb.customTypes, ['MyNorm', 'Other_Op2']);
  assert.deepEqual(pb.layers.map((l) => l.typeIndex), [16, 256, 22, 256, 257]);
});

test('CLI: a broken model is one line, exit 1, and nothing is written', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-emit-bad-'));
  try {
    const param = path.join(dir, 'm.param');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(param, head(2, 3, 'Input in 0 1 a.b\nInput in2 0 1 a_b\n'));
    writeFileSync(path.join(dir, 'm.bin'), Buffer.alloc(0));
    const r = await execa('node', ['dist/src/cli.js', 'emit', param, '-o', path.join(dir, 'out')], { reject: false });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^edgeface: error: .*m\.param:4: blob names 'a\.b' and 'a_b' both become BLOB_a_b/);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
    assert.ok(!existsSync(path.join(dir, 'out')) || readdirSync(path.join(dir, 'out')).length === 0, 'no output written');
    const r2 = await execa('node', ['dist/src/cli.js', 'emit', param, '-o', path.join(dir, 'out'), '--name', '9lives'], { reject: false });
    assert.equal(r2.exitCode, 1);
    assert.match(r2.stderr, /model name '9lives' must be a C identifier/);
    // emitting beside the model under its own name would replace its .bin: refused
    writeFileSync(param, head(1, 1, 'Input in 0 1 a 0=4 1=4 2=3\n'));
    const bin = readFileSync(path.join(dir, 'm.bin'));
    const r3 = await execa('node', ['dist/src/cli.js', 'emit', param, '-o', dir, '--outputs', 'param-bin'], { reject: false });
    assert.equal(r3.exitCode, 1);
    assert.match(r3.stderr, /m\.bin: is an input of this emit; choose another -o folder or --name/);
    assert.ok(readFileSync(path.join(dir, 'm.bin')).equals(bin));
    assert.ok(!existsSync(path.join(dir, 'm.param.bin')), 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SHARED_SPEC = path.resolve('targets/cpp/include/edgeface/model_spec.h');
test('the typed header\'s struct block is the one in targets/cpp/include/edgeface/model_spec.h', { skip: existsSync(SHARED_SPEC) ? false : 'targets/cpp not present' }, async () => {
  const { SPEC_STRUCT } = await import('../../src/emit/typed-header.js');
  const text = readFileSync(SHARED_SPEC, 'utf8');
  const start = text.indexOf('#ifndef EDGEFACE_MODEL_SPEC_DEFINED');
  assert.ok(start >= 0, 'no EDGEFACE_MODEL_SPEC_DEFINED block');
  const end = text.indexOf('#endif', start);
  assert.equal(text.slice(start, end + '#endif'.length) + '\n', SPEC_STRUCT);
});
