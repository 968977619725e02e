/**
 * Opt-in (EDGEFACE_FULL_LFW=1; minutes, not for every CI run): the full LFW View 2
 * (6,000 pairs) on ../shared/data/lfw. Checks the accuracies ../shared/models/README.md
 * lists (foamliu MobileFaceNet in onnxruntime 99.22%, insightface MobileFaceNet in ncnn
 * 99.20%) within 0.1 pp, and that the converted ncnn FP32 model agrees with ONNX within
 * 0.1 pp; the INT8 model comes from the project's own quantizer. Prints timings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { convertAndWrite } from '../../src/convert/convert.js';
import { formatReport } from '../../src/eval/report-table.js';
import { runEval } from '../../src/eval/run-eval.js';
import { presetByName } from '../../src/image/preprocess.js';
import { quantize } from '../../src/quantize/index.js';
import { LFW as LFW_FULL, REPO } from '../shared-data.js';
import { FOAMLIU_ONNX, MBF_PARAM, tmpDir } from './helpers/common.js';

const enabled = process.env.EDGEFACE_FULL_LFW === '1';

test('full LFW: published accuracies, ONNX vs ncnn agreement, INT8 side by side', { skip: !enabled && 'set EDGEFACE_FULL_LFW=1' }, async () => {
  const dir = tmpDir('full');
  const imagenet = presetByName('imagenet');
  const raw = presetByName('raw');
  const fp32 = { param: path.join(dir, 'foam.param'), bin: path.join(dir, 'foam.bin') };
  await convertAndWrite(FOAMLIU_ONNX, fp32);
  const int8 = { param: path.join(dir, 'foam-int8.param'), bin: path.join(dir, 'foam-int8.bin') };
  await quantize({ model: fp32.param, bin: fp32.bin, calib: path.join(REPO, 'calibration'), outParam: int8.param, outBin: int8.bin, preprocess: imagenet });

  const t0 = performance.now();
  const chain = await runEval({
    models: [
      { path: FOAMLIU_ONNX, format: 'onnx', preprocess: imagenet },
      { path: fp32.param, format: 'ncnn', preprocess: imagenet },
      { path: int8.param, format: 'ncnn', preprocess: imagenet },
    ],
    dataset: { lfw: LFW_FULL },
    log: (l) => process.stderr.write(`  ${l}\n`),
  });
  const chainSeconds = (performance.now() - t0) / 1000;
  const mbf = await runEval({ models: [{ path: MBF_PARAM, format: 'ncnn', preprocess: raw }], dataset: { lfw: LFW_FULL } });
  process.stdout.write(`${formatReport(chain)}\n\nONNX + ncnn FP32 + ncnn INT8 on 6,000 pairs: ${chainSeconds.toFixed(1)} s wall\n`);
  process.stdout.write(`${formatReport(mbf)}\n`);

  const [onnx, ncnn32, ncnn8] = chain.models;
  assert.equal(chain.dataset.pairs, 6000);
  assert.ok(Math.abs(onnx!.result.accuracyMean * 100 - 99.22) <= 0.1, `foamliu ONNX ${onnx!.result.accuracyMean}`);
  assert.ok(Math.abs(ncnn32!.result.accuracyMean - onnx!.result.accuracyMean) * 100 <= 0.1, 'ncnn FP32 vs ONNX');
  assert.equal(ncnn8!.precision, 'int8');
  assert.ok(Math.abs(mbf.models[0]!.result.accuracyMean * 100 - 99.2) <= 0.1, `mbf ncnn ${mbf.models[0]!.result.accuracyMean}`);
});
