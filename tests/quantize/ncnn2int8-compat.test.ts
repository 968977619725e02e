/**
 * A table written by edgeface, fed to ncnn's own ncnn2int8, must give a model that runs and
 * agrees with edgeface's INT8 model. ncnn2int8 is not on PyPI in binary form and the ncnn
 * sdist ships no tools/ sources, so this runs only where a built ncnn2int8 is available:
 * $NCNN2INT8, or .cache/ncnn-tools/ncnn2int8 (see tools/ncnn_build/README.md).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { quantize } from '../../src/quantize/quantize.js';
import { NcnnRuntime } from '../../src/runtime/ncnn.js';
import { presetByName } from '../../src/image/preprocess.js';
import { cosineRows } from '../../src/quantize/embedding-probe.js';
import { MODELS, haveSharedData } from './heldout.js';
import { loadInputs } from './embeddings.js';
import { listCalibrationImages } from '../../src/quantize/calibration-images.js';

const tool = process.env.NCNN2INT8 ?? path.resolve('.cache/ncnn-tools/ncnn2int8');
const skip = !existsSync(tool)
  ? `ncnn2int8 not available (set NCNN2INT8 or build it into ${tool}; the PyPI ncnn sdist has no tools/ sources)`
  : !haveSharedData() ? '../shared models not present' : false;

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-ncnn2int8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('edgeface table -> ncnn2int8 -> same INT8 model behaviour as edgeface', { skip }, async () => {
  const fp32 = path.join(MODELS, 'insightface-mbf-y1');
  const ours = path.join(dir, 'edgeface-int8');
  const pre = presetByName('raw');
  const r = await quantize({ model: `${fp32}.param`, calib: 'calibration/images', maxImages: 16, preprocess: pre, outParam: `${ours}.param`, outBin: `${ours}.bin`, progress: false });
  const theirs = path.join(dir, 'ncnn2int8');
  await execa(tool, [`${fp32}.param`, `${fp32}.bin`, `${theirs}.param`, `${theirs}.bin`, r.tablePath]);
  const rt = await NcnnRuntime.start();
  try {
    const x = await loadInputs(listCalibrationImages('calibration/images').slice(100, 132), pre);
    const run = async (stem: string) => {
      const net = await rt.load(`${stem}.param`, `${stem}.bin`, { int8: true });
      const out = await net.runBatch(x.n, { data: { data: x.data, shape: x.shape } }, ['fc1']);
      await net.close();
      return out.fc1!.data;
    };
    const a = await run(ours);
    const b = await run(theirs);
    const cos = cosineRows(a, b, x.n);
    // same scales and rounding; ncnn2int8 stores the FP32-kept weights as float16
    assert.ok(Math.min(...cos) > 0.999, `edgeface vs ncnn2int8 INT8 embeddings: min cosine ${Math.min(...cos)}`);
  } finally {
    await rt.close();
  }
});
