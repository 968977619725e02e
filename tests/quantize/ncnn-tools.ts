/** ncnn's own INT8 tools, built by tools/ncnn_build/build.sh; shared by the tests and bench. */
import os from 'node:os';
import path from 'node:path';
import type { Preprocess } from '../../src/image/preprocess.js';

export const NCNN_TOOLS = process.env.NCNN_TOOLS ?? path.resolve('.cache/ncnn-tools');

/** ncnn2table's command line for an FP32 model, an image list and edgeface's preprocessing. */
export function ncnn2tableArgs(
  model: { param: string; bin: string },
  imageList: string,
  table: string,
  pre: Preprocess,
  opts: { method?: string; threads?: number } = {},
): string[] {
  const { width: w, height: h } = pre;
  const vec = (v: number[]) => `[${v.join(',')}]`;
  return [model.param, model.bin, imageList, table, `mean=${vec(pre.mean)}`, `norm=${vec(pre.std.map((s) => 1 / s))}`,
    `shape=[${w},${h},3]`, `pixel=${pre.color}`, `thread=${opts.threads ?? os.cpus().length}`, `method=${opts.method ?? 'kl'}`];
}
