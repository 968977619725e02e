import { activation } from './activation.js';
import { batchNorm } from './batchnorm.js';
import { binary } from './binary.js';
import { cast } from './cast.js';
import { concat } from './concat.js';
import { conv } from './conv.js';
import { convTranspose } from './conv-transpose.js';
import { gather } from './gather.js';
import { gelu } from './gelu.js';
import { erf } from './erf.js';
import { softplus } from './softplus.js';
import { selu } from './selu.js';
import { celu } from './celu.js';
import { logSoftmax } from './log-softmax.js';
import { instanceNorm } from './instance-norm.js';
import { groupNorm } from './group-norm.js';
import { depthToSpace } from './depth-to-space.js';
import { spaceToDepth } from './space-to-depth.js';
import { gemm } from './gemm.js';
import { identity } from './identity.js';
import { layerNorm } from './layer-norm.js';
import { matmul } from './matmul.js';
import { normalize } from './normalize.js';
import type { OpHandler } from './op-handler.js';
import { pad } from './pad.js';
import { pool } from './pool.js';
import { prelu } from './prelu.js';
import { reduce } from './reduce.js';
import { flatten, reshape } from './reshape.js';
import { resize } from './resize.js';
import { shape } from './shape.js';
import { constantOfShape, expand, rangeOp } from './shape-math.js';
import { slice } from './slice.js';
import { softmax } from './softmax.js';
import { split } from './split.js';
import { squeeze } from './squeeze.js';
import { transpose } from './transpose.js';

const HANDLERS: OpHandler[] = [
  activation, batchNorm, binary, cast, concat, conv, convTranspose, gather, gemm, identity, layerNorm, matmul, normalize,
  pad, pool, prelu, reduce, flatten, reshape, resize, shape, constantOfShape, expand, rangeOp, slice, softmax,
  split, squeeze, transpose,
  gelu, erf, softplus, selu, celu, logSoftmax, instanceNorm, groupNorm, depthToSpace, spaceToDepth,
];

const BY_OP = new Map<string, OpHandler>();
for (const h of HANDLERS) for (const op of h.ops) BY_OP.set(op, h);

export function handlerFor(op: string): OpHandler | undefined {
  return BY_OP.get(op);
}

export function supportedOps(): string[] {
  return [...BY_OP.keys()].filter((o) => !o.startsWith('edgeface.')).sort();
}
