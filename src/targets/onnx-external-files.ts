// TEMPORARY until h14emit's src/onnx/external-files.ts lands on main (then import that instead).
import path from 'node:path';
import { onnx, type TensorProto } from '../onnx/proto.js';
import { readModelSkeleton } from '../onnx/skeleton.js';

export function externalDataFiles(onnxFile: string): string[] {
  const model = onnx.ModelProto.decode(readModelSkeleton(onnxFile).bytes);
  const out = new Set<string>();
  const add = (t: TensorProto | null | undefined) => {
    const loc = t?.externalData?.find((e) => e.key === 'location')?.value;
    if (loc) out.add(path.join(path.dirname(onnxFile), loc));
  };
  for (const t of model.graph?.initializer ?? []) add(t);
  for (const n of model.graph?.node ?? []) for (const a of n.attribute ?? []) add(a.t);
  return [...out].sort();
}
