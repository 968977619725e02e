import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySink, writeBin } from '../src/ncnn/bin-writer.js';
import { readBinInto } from '../src/ncnn/bin-reader.js';
import { float, floats, int, ints, layer, mainWeights, rawWeights } from '../src/ncnn/model.js';
import { parseParamText } from '../src/ncnn/param-reader.js';
import { formatFloat, writeParamText } from '../src/ncnn/param-writer.js';
import { TAG_FLOAT16 } from '../src/ncnn/storage-tags.js';
import { fromHalfBits, toHalfBits } from '../src/util/float16.js';

test('float params always carry a decimal point or exponent, and round-trip float32', () => {
  for (const v of [0, 1, -2, 0.1, 1e-5, 127.5, 3.4e38, 1 / 3, 6e-8]) {
    const s = formatFloat(v);
    assert.match(s, /[.e]/, s);
    assert.equal(Math.fround(Number(s)), Math.fround(v));
  }
});

test('param text round-trips kinds: int, float, int arrays, float arrays', () => {
  const model = {
    layers: [
      layer('Input', 'in', [], ['x'], [[0, int(8)], [1, int(8)], [2, int(3)]]),
      layer('Crop', 'c', ['x'], ['y'], [[9, ints([1, 2])], [10, ints([3, 4])], [11, ints([0, 1])]]),
      layer('Clip', 'k', ['y'], ['z'], [[0, float(-1)], [1, float(6)]]),
      layer('Convolution', 'v', ['z'], ['w'], [[0, int(2)], [9, int(3)], [10, floats([0, 6])]]),
    ],
  };
  const text = writeParamText(model);
  assert.ok(text.startsWith('7767517\n4 4\n'));
  const back = parseParamText(text);
  assert.deepEqual(back.map((l) => [l.type, l.name, l.inputs, l.outputs, [...l.params.entries()].sort()]),
    model.layers.map((l) => [l.type, l.name, l.inputs, l.outputs, [...l.params.entries()].sort()]));
});

test('bin: tagged fp32/fp16 buffers, untagged bias, 4-byte padding, and reading back', () => {
  const w = new Float32Array([1, -2, 0.5, 3, 0.25, 7]);
  const b = new Float32Array([0.1, 0.2]);
  const conv = layer('Convolution', 'c', ['x'], ['y'], [[0, int(2)], [1, int(1)], [5, int(1)], [6, int(6)]], [mainWeights(w), rawWeights(b)]);
  const sink = new MemorySink();
  writeBin(sink, { layers: [conv] }, { fp16: true });
  const bytes = sink.bytes();
  // tag(4) + 6 halves (12) + bias 2 floats (8)
  assert.equal(bytes.length, 4 + 12 + 8);
  assert.equal(new DataView(bytes.buffer).getUint32(0, true), TAG_FLOAT16);
  const back = layer('Convolution', 'c', ['x'], ['y'], [[0, int(2)], [1, int(1)], [5, int(1)], [6, int(6)]]);
  readBinInto([back], bytes);
  assert.deepEqual(Array.from(back.weights[0]!.data), Array.from(w));
  assert.deepEqual(Array.from(back.weights[1]!.data), Array.from(b));
  assert.throws(() => readBinInto([back], bytes.subarray(0, 10)), /ends early/);
});

test('float16 conversion rounds to nearest even and saturates', () => {
  assert.equal(toHalfBits(1), 0x3c00);
  assert.equal(toHalfBits(65504), 0x7bff);
  assert.equal(toHalfBits(1e6), 0x7c00);
  assert.equal(fromHalfBits(toHalfBits(0.1)), 0.0999755859375);
  assert.equal(fromHalfBits(toHalfBits(-3.5e-6)), -3.516674041748047e-6);
});
