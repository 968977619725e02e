import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRESETS } from '../../src/image/preprocess.js';
import { formatInspection, type Inspection } from '../../src/inspect/inspect.js';

// issue 16: a 200,000-node chain made `inspect` die with "Maximum call stack size exceeded"
test('inspect formats a 200,000-layer model without overflowing the stack', () => {
  const layers = Array.from({ length: 200_000 }, (_, i) => ({
    type: 'ReLU', name: `r${i}`, inputs: [`t${i}`], outputs: [`t${i + 1}`], outShape: [3, 8, 8], params: 0, flops: 192,
  }));
  const info: Inspection = {
    file: 'chain.onnx', format: 'onnx', layers, totalParams: 0, totalFlops: 192 * layers.length,
    preprocess: { ...PRESETS.arcface, mean: [...PRESETS.arcface.mean], std: [...PRESETS.arcface.std] }, preprocessFrom: 'default',
  };
  const text = formatInspection(info);
  assert.equal(text.split('\n').length, 200_000 + 4);
  assert.match(text, /r199999\s+3x8x8/);
});
