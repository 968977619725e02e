import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertOnnxFile } from '../../src/convert/convert.js';
import { readNcnnModel, writeNcnnModel } from '../../src/ncnn/io.js';
import { paramNumber } from '../../src/ncnn/model.js';
import { NcnnRuntime } from '../../src/runtime/ncnn.js';
import { quantize, type QuantizeOptions } from '../../src/quantize/quantize.js';
import { listCalibrationImages } from '../../src/quantize/calibration/images.js';
import { figures } from '../../src/quantize/selection/sensitivity.js';
import { EmbeddingProbe } from '../../src/quantize/selection/embedding-probe.js';
import { writeInt8Model } from '../../src/quantize/int8-writer.js';
import { readTable } from '../../src/quantize/table.js';
import { embeddingCosine, loadInputs } from './embeddings.js';

// The sensitivity report and --auto, checked against independent runs of the real ncnn
// runtime on the files edgeface writes, on the bundled trained model.
const MODEL = 'models/edgeface-mbf.onnx';
const CALIB = 'calibration/images';
const PROBES = 20;
/** Per-layer figures (the ranking) come from the first RANK of the probe images. */
const RANK = 8;
const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-sens-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const { model, sidecar } = convertOnnxFile(MODEL);
const fp32 = { param: path.join(dir, 'fp32.param'), bin: path.join(dir, 'fp32.bin') };
const blobs = { input: sidecar.inputs[0]!.name, output: sidecar.outputs[0]! };
const base: QuantizeOptions = { model: MODEL, calib: CALIB, maxImages: 48, sensitivityImages: PROBES, rankImages: RANK, outParam: '', outBin: '', progress: false };
const out = (stem: string) => ({ outParam: path.join(dir, `${stem}.param`), outBin: path.join(dir, `${stem}.bin`) });
/** Layers the written .param runs in INT8 (int8_scale_term, param 8, set). */
const int8Layers = (param: string) =>
  readNcnnModel(param, param.replace(/\.param$/, '.bin')).layers.filter((l) => paramNumber(l, 8, 0) !== 0).map((l) => l.name);

test('sensitivity report and --auto agree with the real ncnn runtime on the models they describe', async () => {
  await writeNcnnModel(model, fp32.param, fp32.bin);
  const rt = await NcnnRuntime.start();
  try {
    const r = await quantize({ ...base, ...out('report'), sensitivity: true });
    const rep = r.sensitivity!;
    assert.equal(rep.images, PROBES);
    assert.equal(rep.rankImages, RANK);
    assert.equal(rep.layers.length, r.quantized.length, 'one entry per INT8 layer');
    for (let i = 1; i < rep.layers.length; i++) assert.ok(rep.layers[i - 1]!.mean <= rep.layers[i]!.mean, 'most sensitive first');
    const probes = await loadInputs(listCalibrationImages(CALIB).slice(0, PROBES), r.preprocess!);

    // all layers INT8: the written model, run apart, gives the report's figures
    const all = await embeddingCosine(rt, fp32, { param: out('report').outParam, bin: out('report').outBin }, probes, blobs);
    assert.ok(Math.abs(all.mean - rep.allInt8.mean) < 1e-6, `all INT8: ${all.mean} vs report ${rep.allInt8.mean}`);
    assert.ok(all.mean < 1 - 1e-5, 'INT8 must differ from FP32 at all');

    // the most sensitive layer alone INT8 (every other one kept FP32) gives its entry
    const worst = rep.layers[0]!;
    const only = out('only');
    await quantize({ ...base, ...only, keepFp32: r.quantized.filter((n) => n !== worst.layer) });
    assert.deepEqual(int8Layers(only.outParam), [worst.layer]);
    const rankProbes = { ...probes, data: probes.data.subarray(0, (probes.data.length / probes.n) * RANK), n: RANK };
    const one = await embeddingCosine(rt, fp32, { param: only.outParam, bin: only.outBin }, rankProbes, blobs);
    assert.ok(Math.abs(one.mean - worst.mean) < 1e-6 && Math.abs(one.min - worst.min) < 1e-6, `${worst.layer}: ${one.mean} vs report ${worst.mean}`);

    // --auto with a target between all-INT8 and FP32: keeps a few layers FP32, the most
    // sensitive ones, and the model it writes reaches the target with the margin
    const target = Math.min(1 - 1e-6, rep.allInt8.lowerBound + (1 - rep.allInt8.lowerBound) / 2);
    const auto = out('auto');
    const a = await quantize({ ...base, ...auto, auto: true, minCosine: target });
    const kept = a.sensitivity!.auto!.keptFp32;
    assert.ok(a.sensitivity!.auto!.reached && kept.length >= 1 && kept.length < rep.layers.length, `kept ${kept.length}`);
    assert.deepEqual(kept, rep.layers.slice(0, kept.length).map((l) => l.layer));
    for (const k of kept) assert.ok(!int8Layers(auto.outParam).includes(k), `${k} must be FP32 in the written model`);
    const got = figures((await embeddingCosine(rt, fp32, { param: auto.outParam, bin: auto.outBin }, probes, blobs)).cos);
    assert.ok(got.lowerBound >= target, `written --auto model: lower bound ${got.lowerBound} < target ${target}`);
    assert.ok(Math.abs(got.mean - a.sensitivity!.auto!.mean) < 1e-6);
  } finally {
    await rt.close();
  }
});

test('per-layer figures: staged runs from the layer on equal whole single-layer-INT8 models, bit for bit', async () => {
  const tableFile = path.join(dir, 'staged.table');
  const r = await quantize({ ...base, ...out('staged'), tableOut: tableFile });
  const table = readTable(tableFile);
  const rt = await NcnnRuntime.start();
  const images = await loadInputs(listCalibrationImages(CALIB).slice(0, RANK), r.preprocess!);
  const probe = new EmbeddingProbe(rt, blobs.input, blobs.output, images);
  try {
    probe.reference = await probe.embed(model);
    const alone = (name: string) =>
      writeInt8Model(model, { weightScales: table.weightScales, inputScales: new Map([[name, table.inputScales.get(name)!]]) }, { fuseRequantize: false }).model;
    const names = [...table.inputScales.keys()];
    assert.ok(names.length > 30, `${names.length} INT8 layers`);
    const staged = await probe.cosinesOneLayerInt8(model, names.map((n) => alone(n).layers.find((l) => l.name === n)!));
    assert.deepEqual([...staged.keys()].sort(), [...names].sort());
    let below = 0;
    for (const name of names) {
      const whole = await probe.cosines(alone(name));
      assert.deepEqual([...staged.get(name)!], [...whole], name);
      if (figures(whole).mean < 1 - 1e-6) below++;
    }
    assert.ok(below > names.length / 2, `most layers must change the embedding at all (${below} of ${names.length})`);
  } finally {
    probe.dispose();
    await rt.close();
  }
});
