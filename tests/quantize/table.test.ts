import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable, parseTable } from '../../src/quantize/table.js';

test('table: ncnn2table output (%f values, trailing spaces) parses into weight and input scales', () => {
  const text = [
    'conv1_param_0 127.000000 63.500000 ',
    'fc_param_0 12.345678 ',
    'mha_param_1 3.000000 ',
    'conv1 25.400000 ',
    'fc 2.000000 ',
    '',
  ].join('\n');
  const t = parseTable(text, 'x.table');
  assert.deepEqual([...t.weightScales.keys()], ['conv1', 'fc']);
  assert.deepEqual(Array.from(t.weightScales.get('conv1')!), [127, 63.5]);
  assert.equal(t.inputScales.get('conv1'), 25.4);
  assert.equal(t.inputScales.get('fc'), 2);
  // other _param_N lines belong to layer kinds edgeface does not quantize
  assert.equal(t.weightScales.has('mha'), false);
});

test('table: write then read gives the same float32 scales', () => {
  const t = {
    weightScales: new Map([['a', Float32Array.of(1 / 3, 1e-7, 12345.678)]]),
    inputScales: new Map([['a', Math.fround(0.1)]]),
  };
  const back = parseTable(formatTable(t));
  assert.deepEqual(Array.from(back.weightScales.get('a')!), Array.from(t.weightScales.get('a')!));
  assert.equal(Math.fround(back.inputScales.get('a')!), t.inputScales.get('a'));
  // weight lines come first, as ncnn2table writes them
  assert.match(formatTable(t), /^a_param_0 .*\na 0\.1/);
});

test('table: a bad value is reported with file and line', () => {
  assert.throws(() => parseTable('c_param_0 1.0\nc abc\n', 'cal.table'), /cal\.table:2: bad scale 'abc'/);
  assert.throws(() => parseTable('c 1.0 2.0\n', 'cal.table'), /cal\.table:1: .*one value/);
});
