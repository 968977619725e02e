import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int, layer, mainWeights, type NcnnModel } from '../../src/ncnn/model.js';
import { quantizableLayers } from '../../src/quantize/selection/quantizable.js';
import { layerMacs, tinyLayers } from '../../src/quantize/selection/tiny-layers.js';

const w = (n: number) => mainWeights(new Float32Array(n).fill(0.1));

test('layerMacs: conv output size from kernel, stride, padding; InnerProduct = weights', () => {
  const m: NcnnModel = {
    layers: [
      layer('Convolution', 'c', ['x'], ['y'], [[0, int(64)], [1, int(3)], [3, int(2)], [4, int(1)], [6, int(64 * 3 * 9)]], [w(64 * 27)]),
      layer('ConvolutionDepthWise', 'gdc', ['y'], ['z'], [[0, int(512)], [1, int(7)], [6, int(512 * 49)], [7, int(512)]], [w(512 * 49)]),
      layer('InnerProduct', 'fc', ['z'], ['e'], [[0, int(128)], [2, int(512 * 128)]], [w(512 * 128)]),
    ],
  };
  const [c, gdc, fc] = quantizableLayers(m) as [never, never, never];
  assert.equal(layerMacs(c, [3, 112, 112]), 64 * 27 * 56 * 56);
  assert.equal(layerMacs(gdc, [512, 7, 7]), 512 * 49);
  assert.equal(layerMacs(fc, [512, 1, 1]), 512 * 128);
});

test('tinyLayers: a global depthwise conv with ~0 MACs and few weights stays FP32, big layers do not', () => {
  const m: NcnnModel = {
    layers: [
      layer('Convolution', 'big', ['x'], ['y'], [[0, int(2048)], [1, int(1)], [6, int(2048 * 256)]], [w(2048 * 256)]),
      layer('ConvolutionDepthWise', 'gdc', ['y'], ['z'], [[0, int(512)], [1, int(7)], [6, int(512 * 49)], [7, int(512)]], [w(512 * 49)]),
      layer('InnerProduct', 'fc', ['z'], ['e'], [[0, int(128)], [2, int(512 * 128)]], [w(512 * 128)]),
    ],
  };
  const shapes = new Map([['x', [256, 28, 28]], ['y', [512, 7, 7]], ['z', [512, 1, 1]]]);
  // fc holds 11% of the weights: INT8 shrinks the file, so it is quantized
  assert.deepEqual(tinyLayers(quantizableLayers(m), shapes), ['gdc']);
  assert.deepEqual(tinyLayers(quantizableLayers(m), new Map()), [], 'no shapes, no guess');
});
