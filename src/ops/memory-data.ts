import { int, layer, rawWeights, type ParamValue } from '../ncnn/model.js';
import type { LowerContext } from './op-handler.js';

/** Emits a MemoryData layer holding `data` with ncnn dims from ONNX dims (no batch). */
export function memoryData(ctx: LowerContext, name: string, dims: number[], data: Float32Array): string {
  const blob = ctx.fresh(name);
  const rev = [...dims].reverse(); // ncnn lists w first
  const ids = [0, 1, 2, 11];
  const params: Array<[number, ParamValue]> = [];
  if (rev.length > 4) throw new Error(`constant of rank ${dims.length} cannot be a MemoryData`);
  // ncnn MemoryData: 0=w 1=h 11=d 2=c, so a 4-D (d) constant puts its 3rd dim in 11 and 4th in 2.
  const order = rev.length === 4 ? [0, 1, 11, 2] : ids.slice(0, rev.length);
  rev.forEach((d, k) => params.push([order[k]!, int(d)]));
  ctx.emit(layer('MemoryData', blob, [], [blob], params, [rawWeights(data)]));
  return blob;
}
