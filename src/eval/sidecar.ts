/**
 * Preprocessing and blob names for ncnn models, which carry no metadata: the converter's
 * sidecar `<model>.param.json` (src/convert/sidecar.ts; preprocess.size is [height, width]).
 * A quantized model without its own sidecar borrows its FP32 source's: `x-int8.param`
 * looks for `x.param.json` too.
 */
import { existsSync } from 'node:fs';
import { readSidecar, sidecarPath, type ModelSidecar } from '../convert/sidecar.js';
import type { Preprocess } from '../image/preprocess.js';

export { sidecarPath };

export interface NcnnSidecarInfo {
  file: string;
  preprocess?: Partial<Preprocess>;
  input?: string;
  output?: string;
}

function candidates(paramPath: string): string[] {
  const out = [paramPath];
  const m = /^(.*?)[-_.]int8\.param$/i.exec(paramPath);
  if (m) out.push(`${m[1]}.param`);
  return out;
}

export function readNcnnSidecar(paramPath: string): NcnnSidecarInfo | undefined {
  for (const p of candidates(paramPath)) {
    if (!existsSync(sidecarPath(p))) continue;
    const s: ModelSidecar | undefined = readSidecar(p);
    if (!s) continue;
    const pre = s.preprocess;
    return {
      file: sidecarPath(p),
      preprocess: pre
        ? { color: pre.color, mean: pre.mean, std: pre.std, ...(pre.size ? { inputSize: [pre.size[1], pre.size[0]] as [number, number] } : {}) }
        : undefined,
      input: s.inputs?.[0]?.name,
      output: s.outputs?.[0],
    };
  }
  return undefined;
}
