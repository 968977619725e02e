/** FP32-vs-INT8 embedding cosine on image files, both models in the real ncnn runtime. */
import { decodeRgb } from '../../src/image/decode.js';
import { toModelInput, type Preprocess } from '../../src/image/preprocess.js';
import type { NcnnRuntime } from '../../src/runtime/ncnn.js';
import { cosineRows, mean, min } from '../../src/quantize/selection/embedding-probe.js';

export async function loadInputs(files: string[], pre: Preprocess): Promise<{ data: Float32Array; n: number; shape: [number, number, number] }> {
  const { width: w, height: h } = pre;
  const data = new Float32Array(files.length * 3 * w * h);
  const imgs = await Promise.all(files.map((f) => decodeRgb(f, w, h, f)));
  imgs.forEach((img, i) => toModelInput(img.data, w, h, pre, data, i * 3 * w * h));
  return { data, n: files.length, shape: [3, h, w] };
}

export async function embeddingCosine(
  rt: NcnnRuntime,
  fp32: { param: string; bin: string },
  int8: { param: string; bin: string },
  inputs: { data: Float32Array; n: number; shape: [number, number, number] },
  blobs: { input: string; output: string },
): Promise<{ mean: number; min: number; cos: Float64Array }> {
  const run = async (m: { param: string; bin: string }, useInt8: boolean) => {
    const net = await rt.load(m.param, m.bin, { int8: useInt8, fp16: false });
    try {
      const r = await net.runBatch(inputs.n, { [blobs.input]: { data: inputs.data, shape: inputs.shape } }, [blobs.output]);
      return r[blobs.output]!.data;
    } finally {
      await net.close();
    }
  };
  const a = await run(fp32, false);
  const b = await run(int8, true);
  const cos = cosineRows(a, b, inputs.n);
  return { mean: mean(cos), min: min(cos), cos };
}
