import { EdgefaceError } from '../errors.js';

/**
 * Default-domain opsets whose semantics edgeface's op handlers follow. Opset 1 predates
 * the ops' current inputs (Reshape's shape was an attribute, BatchNormalization had
 * consumed_inputs); above the top bound ONNX may have changed an op in ways edgeface
 * does not know, so such a model is refused rather than converted to something else.
 */
export const SUPPORTED_OPSETS = { min: 2, max: 23 } as const;

export function checkOpset(file: string, opset: number): void {
  if (!Number.isInteger(opset) || opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new EdgefaceError(`${file}: ONNX opset ${opset} is outside the supported range ${SUPPORTED_OPSETS.min}..${SUPPORTED_OPSETS.max}`, {
      hint: 're-export the model with an opset in that range (torch.onnx.export(..., opset_version=17))',
    });
  }
}
