import { execa } from 'execa';
import { EdgefaceError } from '../errors.js';
import { paramNumber, type NcnnModel } from '../ncnn/model.js';
import { ncnnRuntimeScript, pythonInterpreter } from '../runtime/python.js';
import type { BlobShape } from './layer-cost.js';

/** Blob shapes of an ncnn model as the real runtime computes them (tools/ncnn_runtime/blob_shapes.py). */
export async function ncnnBlobShapes(param: string, bin: string, model: NcnnModel): Promise<Map<string, BlobShape>> {
  const inputs = model.layers.filter((l) => l.type === 'Input').map((l) => ({
    name: l.outputs[0]!,
    shape: [paramNumber(l, 2, 0), paramNumber(l, 1, 0), paramNumber(l, 0, 0)].filter((d) => d > 0),
  }));
  const blobs = [...new Set(model.layers.flatMap((l) => l.outputs))];
  const r = await execa(pythonInterpreter(), [ncnnRuntimeScript('blob_shapes.py'), param, bin], {
    input: JSON.stringify({ inputs, blobs }),
    reject: false,
  });
  if (r.exitCode !== 0) throw new EdgefaceError(`${param}: the ncnn runtime could not run the model: ${r.stderr.trim().split('\n').pop()}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, BlobShape>));
}
