/**
 * Model arguments of `edgeface eval`: a path to .onnx (onnxruntime) or .param (ncnn),
 * optionally suffixed with runtime precision: `model.param:fp16` runs ncnn with FP16
 * storage and arithmetic; `:fp32` (default) forces FP32 math.
 */
import path from 'node:path';
import { EdgefaceError } from '../errors.js';
import type { Preprocess } from '../image/preprocess.js';

export type ModelFormat = 'onnx' | 'ncnn';

export interface ModelSpec {
  path: string;
  format: ModelFormat;
  /** ncnn only: FP16 storage + arithmetic instead of FP32. */
  fp16?: boolean;
  /** Library use: this model's preprocessing, winning over metadata, sidecar and flags. */
  preprocess?: Partial<Preprocess>;
}

export function parseModelSpec(text: string): ModelSpec {
  const m = /^(.*):(fp16|fp32)$/i.exec(text);
  const file = m ? m[1]! : text;
  const precision = m ? m[2]!.toLowerCase() : undefined;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.onnx') {
    if (precision === 'fp16') throw new EdgefaceError(`${text}: ':fp16' applies to ncnn models only`);
    return { path: file, format: 'onnx' };
  }
  if (ext === '.param') return { path: file, format: 'ncnn', fp16: precision === 'fp16' };
  throw new EdgefaceError(`${text}: model must be an .onnx file or an ncnn .param (with its .bin beside it)`);
}
