import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layer, mainWeights } from '../../src/ncnn/model.js';
import { weightScales, type QuantLayer } from '../../src/quantize/selection/quantizable.js';
import { formatTable, emptyTable } from '../../src/quantize/table.js';

// issue 16: a depthwise channel with weights of ~1e-37 made 127/absmax overflow float32
// and quantize died with "internal error: non-finite scale Infinity"
test('channels too tiny for a float32 scale are treated like zero channels', () => {
  const w = new Float32Array([0.5, -0.25, 1e-37, -2e-38, 0, 0]);
  const l = layer('ConvolutionDepthWise', 'dw', ['a'], ['b'], [], [mainWeights(w)]);
  const q: QuantLayer = { index: 0, layer: l, kind: 'conv' as QuantLayer['kind'], input: 'a', output: 'b', channels: 3, perChannel: 2, kernel: [1, 1], stride: [1, 1], dilation: [1, 1] };
  const s = weightScales(q);
  assert.equal(s[0], Math.fround(127 / 0.5));
  assert.equal(s[1], 1);
  assert.equal(s[2], 1);
  const t = emptyTable();
  t.weightScales.set('dw', s);
  assert.match(formatTable(t), /^dw_param_0 254 1 1/m);
});
