/**
 * Quantizer benchmark, everything measured in one run on this machine:
 *  1. calibration wall time for the same calibration images: edgeface (onnxruntime-node with
 *     every quantizable layer's input exposed, one streaming pass in one worker thread per
 *     core; or the ncnn runner for a
 *     .param) vs ncnn's own ncnn2table (built by tools/ncnn_build/build.sh, same method, all
 *     cores) and, for an ONNX model, onnxruntime's quantize_static calibration (Entropy, the
 *     same KL method, augmented model + CalibrationDataReader);
 *  2. ncnn inference latency FP32 vs INT8 of the model edgeface wrote (real ncnn runtime);
 *  3. embedding cosine INT8 vs FP32 on 200 held-out LFW faces, and .bin sizes.
 *
 * Usage: node dist/bench/quantize-bench.js [model.onnx|model.param] [--calib dir] [--images n]
 *        [--method kl] [--preset raw|arcface|imagenet]
 * Default model: ../shared/models/foamliu-mobilefacenet.onnx.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { presetByName, type Preprocess } from '../src/image/preprocess.js';
import { NcnnRuntime } from '../src/runtime/ncnn.js';
import { pythonInterpreter } from '../src/runtime/python.js';
import { quantize } from '../src/quantize/quantize.js';
import { DEFAULT_METHOD, type ActivationMethod } from '../src/quantize/scales/registry.js';
import { convertOnnxFile } from '../src/convert/convert.js';
import { readNcnnModel, writeNcnnModel } from '../src/ncnn/io.js';
import { listCalibrationImages, streamCalibrationBatches } from '../src/quantize/calibration/images.js';
import { OnnxActivationSource } from '../src/quantize/calibration/activation-source.js';
import { quantizableLayers } from '../src/quantize/selection/quantizable.js';
import { SHARED_MODELS as MODELS } from '../tests/shared-data.js';
import { heldOutImages, haveSharedData } from '../tests/quantize/heldout.js';
import { embeddingCosine, loadInputs } from '../tests/quantize/embeddings.js';
import { NCNN_TOOLS, ncnn2tableArgs } from '../tests/quantize/ncnn-tools.js';

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const PEER_CALIBRATION = String.raw`
import sys, time, json, numpy as np
from PIL import Image
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod
from onnxruntime.quantization.calibrate import create_calibrator
model, listfile, mean, std, color, w, h, tmp = sys.argv[1:9]
mean = np.array([float(v) for v in mean.split(',')], np.float32)[:, None, None]
std = np.array([float(v) for v in std.split(',')], np.float32)[:, None, None]
files = open(listfile).read().split('\n')
import onnx
inp = [i.name for i in onnx.load(model, load_external_data=False).graph.input][0]
class Reader(CalibrationDataReader):
    def __init__(self): self.i = 0
    def get_next(self):
        while self.i < len(files):
            f = files[self.i]; self.i += 1
            try: img = Image.open(f).convert('RGB').resize((int(w), int(h)), Image.BILINEAR)
            except Exception: continue
            x = np.asarray(img, np.float32).transpose(2, 0, 1)
            if color == 'BGR': x = x[::-1]
            return {inp: np.ascontiguousarray(((x - mean) / std)[None])}
        return None
t0 = time.perf_counter()
cal = create_calibrator(model, ['Conv', 'Gemm', 'MatMul'], augmented_model_path=tmp + '/augmented.onnx', calibrate_method=CalibrationMethod.Entropy)
cal.collect_data(Reader())
ranges = cal.compute_data()
print(json.dumps({'seconds': time.perf_counter() - t0, 'tensors': len(ranges.data)}))
`;

const NCNN_LATENCY = String.raw`
import sys, time, json, numpy as np, ncnn
param32, bin32, param8, bin8, inp, out, c, h, w, runs = sys.argv[1:11]
x = np.random.default_rng(0).random((int(c), int(h), int(w)), dtype=np.float32)
res = {}
for label, p, b, int8 in [('fp32', param32, bin32, False), ('int8', param8, bin8, True)]:
    for threads in (1, 2):
        net = ncnn.Net(); net.opt.use_int8_inference = int8; net.opt.num_threads = threads
        net.load_param(p); net.load_model(b)
        times = []
        for r in range(int(runs) + 5):
            t = time.perf_counter(); ex = net.create_extractor(); ex.input(inp, ncnn.Mat(x).clone()); ex.extract(out); dt = time.perf_counter() - t
            if r >= 5: times.append(dt)
        res[f'{label}_t{threads}'] = float(np.median(times)) * 1e3
print(json.dumps(res))
`;

async function main(): Promise<void> {
  if (!haveSharedData()) {
    console.log('quantize-bench: ../shared data/models not found; nothing to measure');
    return;
  }
  const model = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : path.join(MODELS, 'foamliu-mobilefacenet.onnx');
  const isOnnx = model.endsWith('.onnx');
  const calib = arg('--calib', 'calibration/images')!;
  const count = Number(arg('--images', '500'));
  const method = (arg('--method') ?? DEFAULT_METHOD) as ActivationMethod;
  const preset = arg('--preset', isOnnx && model.includes('foamliu') ? 'imagenet' : model.includes('insightface') ? 'raw' : 'arcface')!;
  const pre: Preprocess = presetByName(preset);
  const files = listCalibrationImages(calib).slice(0, count);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-qbench-'));
  const py = pythonInterpreter();
  try {
    console.log(`model ${model}, ${files.length} calibration images from ${calib}, preprocessing ${preset}, method ${method}`);
    const out = path.join(dir, 'int8');
    const t0 = performance.now();
    const r = await quantize({ model, calib, maxImages: count, method, preprocess: pre, outParam: `${out}.param`, outBin: `${out}.bin`, progress: false });
    const total = (performance.now() - t0) / 1000;
    console.log(`edgeface calibration: ${r.calibrationSeconds!.toFixed(2)} s statistics (${r.images!.used} images), ${total.toFixed(2)} s end to end incl. model load, scales and writing`);

    // FP32 ncnn files of the same model: ncnn2table's input, and latency and cosine below
    let fp32 = { param: model, bin: model.replace(/\.param$/, '.bin') };
    const conv = isOnnx ? convertOnnxFile(model) : undefined;
    if (conv) {
      fp32 = { param: path.join(dir, 'fp32.param'), bin: path.join(dir, 'fp32.bin') };
      await writeNcnnModel(conv.model, fp32.param, fp32.bin);
    }
    const list = path.join(dir, 'files.txt');
    writeFileSync(list, files.join('\n') + '\n');

    const ncnn2table = path.join(NCNN_TOOLS, 'ncnn2table');
    if (existsSync(ncnn2table)) {
      const peerMethod = ['kl', 'aciq', 'eq'].includes(method) ? method : 'kl'; // ncnn2table has these three
      const t1 = performance.now();
      await execa(ncnn2table, ncnn2tableArgs(fp32, list, path.join(dir, 'ncnn2table.table'), pre, { method: peerMethod }));
      const secs = (performance.now() - t1) / 1000;
      console.log(`ncnn2table calibration (method=${peerMethod}, ${os.cpus().length} threads): ${secs.toFixed(2)} s`);
      console.log(`calibration speed-up edgeface vs ncnn2table: ${(secs / r.calibrationSeconds!).toFixed(2)}x (statistics), ${(secs / total).toFixed(2)}x (end to end)`);
    } else {
      console.log('ncnn2table: not built (tools/ncnn_build/build.sh), no comparison');
    }
    if (conv) {
      // for scale: one onnxruntime-node session on all cores with every layer input exposed,
      // decoding and inference only, no statistics (edgeface itself runs one single-threaded
      // session per core in worker threads, outputs straight into its counting memory, and
      // histograms there)
      const blobs = [...new Set(quantizableLayers(conv.model).map((q) => q.input))];
      const source = await OnnxActivationSource.fromPrepared(await OnnxActivationSource.prepareForHistograms(model, blobs), os.availableParallelism());
      const t2 = performance.now();
      for await (const b of streamCalibrationBatches(files, pre, source.preferredBatch, { used: 0, skipped: [] })) await source.run(b);
      const floor = (performance.now() - t2) / 1000;
      await source.close();
      console.log(`for scale: one onnxruntime-node session (${os.availableParallelism()} threads), inference alone with ${blobs.length} layer inputs exposed, no statistics: ${floor.toFixed(2)} s`);
      const peer = await execa(py, ['-c', PEER_CALIBRATION, model, list, pre.mean.join(','), pre.std.join(','), pre.color, String(pre.width), String(pre.height), dir]);
      const p = JSON.parse(peer.stdout.trim().split('\n').pop()!) as { seconds: number; tensors: number };
      console.log(`onnxruntime quantize_static calibration (Entropy): ${p.seconds.toFixed(2)} s for ${p.tensors} tensors`);
      console.log(`calibration speed-up edgeface vs onnxruntime: ${(p.seconds / r.calibrationSeconds!).toFixed(2)}x (statistics), ${(p.seconds / total).toFixed(2)}x (end to end)`);
    }

    const m = readNcnnModel(fp32.param);
    const input = m.layers.find((l) => l.type === 'Input')!.outputs[0]!;
    const consumed = new Set(m.layers.flatMap((l) => l.inputs));
    const output = m.layers[m.layers.length - 1]!.outputs.find((b) => !consumed.has(b))!;
    const lat = await execa(py, ['-c', NCNN_LATENCY, fp32.param, fp32.bin, `${out}.param`, `${out}.bin`, input, output, '3', String(pre.height), String(pre.width), '50']);
    const L = JSON.parse(lat.stdout.trim().split('\n').pop()!) as Record<string, number>;
    for (const t of [1, 2]) {
      console.log(`ncnn latency, ${t} thread(s): FP32 ${L[`fp32_t${t}`]!.toFixed(2)} ms, INT8 ${L[`int8_t${t}`]!.toFixed(2)} ms, INT8 speed-up ${(L[`fp32_t${t}`]! / L[`int8_t${t}`]!).toFixed(2)}x`);
    }
    const sz = (f: string) => statSync(f).size;
    console.log(`.bin: FP32 ${(sz(fp32.bin) / 1024).toFixed(0)} KiB, INT8 ${(sz(`${out}.bin`) / 1024).toFixed(0)} KiB; quantized layers' weights ${(r.weightBytesFp32 / 1024).toFixed(0)} -> ${(r.weightBytesInt8 / 1024).toFixed(0)} KiB (${(r.weightBytesFp32 / r.weightBytesInt8).toFixed(2)}x smaller)`);

    const rt = await NcnnRuntime.start();
    try {
      const held = await loadInputs(heldOutImages(200), pre);
      const c = await embeddingCosine(rt, fp32, { param: `${out}.param`, bin: `${out}.bin` }, held, { input, output });
      console.log(`embedding cosine INT8 vs FP32 on 200 held-out LFW faces: mean ${c.mean.toFixed(4)}, min ${c.min.toFixed(4)}`);
    } finally {
      await rt.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
