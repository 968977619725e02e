import { UnsupportedNodeError } from '../errors.js';
import type { IrGraph, IrNode } from '../ir/graph.js';
import { numel, type Shape } from '../ir/tensor.js';

/**
 * Elements constant folding may create beyond the model's own initializers. Folding keeps
 * values as JS arrays (8 bytes an element) or float32 (4), so this bounds what folding can
 * add to peak memory at about 0.5 GB, whatever a model's shape arithmetic declares.
 */
export const FOLD_ELEMENT_BUDGET = 64 * 1024 * 1024;

/**
 * Charges each folded result against the budget before it is computed: a ConstantOfShape,
 * Expand, Range or Tile that declares a huge result is refused with its node named instead
 * of being materialised (the model size was the user's choice; a 20-byte shape tensor
 * asking for 10^8 elements is not).
 */
export class FoldBudget {
  private left: number;

  constructor(g: IrGraph) {
    let model = 0;
    for (const c of g.consts.values()) model += c.size;
    this.left = FOLD_ELEMENT_BUDGET + model;
  }

  charge(node: IrNode, shapes: Shape[]): void {
    let n = 0;
    for (const s of shapes) {
      if (s.some((d) => !Number.isSafeInteger(d) || d < 0)) {
        throw new UnsupportedNodeError(node.op, node.name, `result shape ${JSON.stringify(s)} is invalid`);
      }
      n += numel(s);
    }
    if (!Number.isSafeInteger(n) || n > this.left) {
      throw new UnsupportedNodeError(
        node.op,
        node.name,
        `constant result of ${n} elements (${shapes.map((s) => JSON.stringify(s)).join(', ')}) is over what edgeface folds (${FOLD_ELEMENT_BUDGET} elements beyond the model's weights); refused`,
        'a face model never needs constants this large; check the shape arithmetic that produces it',
      );
    }
    this.left -= n;
  }
}
