/**
 * The external-data files an ONNX model reads (initializers and Constant tensors with a
 * `location`), as paths beside the model: what a build stamp must hash besides the .onnx.
 */
import path from 'node:path';
import { onnx, type TensorProto } from './proto.js';
import { readModelSkeleton } from './skeleton.js';

export function externalDataFiles(onnxFile: string): string[] {
  const model = onnx.ModelProto.decode(readModelSkeleton(onnxFile).bytes);
  const out = new Set<string>();
  const add = (t: TensorProto | null | undefined) => {
    const loc = t?.externalData?.find((e) => e.key === 'location')?.value;
    if (loc) out.add(path.join(path.dirname(onnxFile), loc));
  };
  const walk = (g: typeof model.graph) => {
    for (const t of g?.initializer ?? []) add(t);
    for (const n of g?.node ?? []) for (const a of n.attribute ?? []) {
      add(a.t);
      for (const t of a.tensors ?? []) add(t);
      if (a.g) walk(a.g as typeof model.graph);
      for (const sg of a.graphs ?? []) walk(sg as typeof model.graph);
    }
  };
  walk(model.graph);
  return [...out].sort();
}
