import type { IrGraph } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { foldBatchNorm } from '../passes/fold-batchnorm.js';
import { foldConstants } from '../passes/fold-constants.js';
import { removeFlattenAfterGlobalPool } from '../passes/flatten-after-global-pool.js';
import { fuseActivation } from '../passes/fuse-activation.js';
import { fuseL2Normalize } from '../passes/fuse-l2-normalize.js';
import { fuseLayerNorm } from '../passes/fuse-layer-norm.js';
import { fuseMatMulBias } from '../passes/fuse-matmul-bias.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { removeDeadNodes } from '../passes/remove-dead-nodes.js';
import { removeIdentity } from '../passes/remove-identity.js';
import { seedInputShapes } from '../passes/shape-context.js';

/** How many rewrites each pass made, for `--verbose` and tests. */
export type PassReport = Record<string, number>;

/** The graph passes, in order. Each pass is its own module; this only sequences them. */
export function optimizeGraph(g: IrGraph, inputShapes?: Map<string, Shape>): PassReport {
  const report: PassReport = {};
  seedInputShapes(g, inputShapes);
  report['remove-identity'] = removeIdentity(g);
  // Dead nodes go before folding: folding a node nobody needs could only cost memory.
  report['remove-dead-nodes'] = removeDeadNodes(g);
  report['fold-constants'] = foldConstants(g);
  report['remove-dead-nodes'] += removeDeadNodes(g);
  report['fold-batchnorm'] = foldBatchNorm(g);
  report['fuse-l2-normalize'] = fuseL2Normalize(g);
  report['fuse-layer-norm'] = fuseLayerNorm(g);
  report['fuse-matmul-bias'] = fuseMatMulBias(g);
  report['remove-flatten-after-global-pool'] = removeFlattenAfterGlobalPool(g);
  report['fuse-activation'] = fuseActivation(g);
  report['remove-dead-nodes'] += removeDeadNodes(g);
  inferShapes(g);
  return report;
}
