/**
 * Exposed activations in onnxruntime's own memory layout. On x86 onnxruntime runs
 * convolutions in a channel-blocked layout (NCHWc) and converts back to NCHW only where a
 * tensor leaves that region; every exposed layer input is such a place, so exposure costs
 * one ReorderOutput pass per quantizable layer (about a fifth of the run on a
 * MobileFaceNet). A histogram does not care about element order, so here the model is
 * optimized once, those reorders are dropped and the blocked tensors are fetched as they are.
 *
 * Only reorders whose channel count is a multiple of 16 (the widest block onnxruntime
 * uses) are dropped: then the blocked tensor holds exactly the NCHW values, no padding.
 * Consumers that need NCHW order (eq's kept samples) must not use this.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { onnx, toNumber, type NodeProto } from '../../onnx/proto.js';

const NCHWC_DOMAIN = 'com.microsoft.nchwc';
/** Widest channel block of onnxruntime's NCHWc kernels (AVX-512); 8 on AVX2. */
const MAX_BLOCK = 16;

export interface NativeLayoutModel {
  /** The optimized model: open it with graph optimizations disabled. */
  bytes: Uint8Array;
  /** exposed tensor -> name to fetch instead (its channel-blocked source) */
  renamed: Map<string, string>;
}

function intAttr(n: NodeProto, name: string): number | undefined {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a?.i === undefined || a.i === null ? undefined : toNumber(a.i);
}

/**
 * Optimizes `bytes` as onnxruntime would on this CPU and drops the NCHWc->NCHW reorders
 * that feed nothing but the exposed outputs `fetched`. Returns undefined when there is
 * nothing to drop (no NCHWc on this CPU, or every exposed tensor is needed in NCHW).
 */
export async function nativeLayoutModel(bytes: Uint8Array, fetched: string[]): Promise<NativeLayoutModel | undefined> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-ortopt-'));
  try {
    const file = path.join(dir, 'optimized.onnx');
    const s = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: file,
      logSeverityLevel: 3, // its warning that the file suits this CPU only: it is used here, now
    });
    await s.release();
    const model = onnx.ModelProto.decode(readFileSync(file));
    const g = model.graph!;
    const wanted = new Set(fetched);
    const consumed = new Set((g.node ?? []).flatMap((n) => n.input ?? []));
    const renamed = new Map<string, string>();
    g.node = (g.node ?? []).filter((n) => {
      const out = n.output?.[0];
      const drop =
        n.opType === 'ReorderOutput' &&
        n.domain === NCHWC_DOMAIN &&
        out !== undefined &&
        wanted.has(out) &&
        !consumed.has(out) &&
        intAttr(n, 'channels_last') !== 1 &&
        (intAttr(n, 'channels') ?? 1) % MAX_BLOCK === 0;
      if (drop) renamed.set(out, n.input![0]!);
      return !drop;
    });
    if (renamed.size === 0) return undefined;
    for (const o of g.output ?? []) {
      const to = renamed.get(o.name!);
      if (to !== undefined) {
        o.name = to;
        o.type = { tensorType: { elemType: 1 } }; // shape unknown: leave it to onnxruntime
      }
    }
    return { bytes: onnx.ModelProto.encode(model).finish(), renamed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
