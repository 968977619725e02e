/** Public API of the INT8 quantizer. */
export { quantize, type QuantizeOptions, type QuantizeResult } from './quantize.js';
export { parseTable, formatTable, readTable, writeTable, type QuantTable } from './table.js';
export { writeInt8Model, type Int8WriteOptions, type Int8WriteResult } from './int8-writer.js';
export { ACTIVATION_METHODS, DEFAULT_METHOD, METHODS, type ActivationMethod } from './scales/registry.js';
export type { ScaleMethod } from './scales/method.js';
export { klThreshold } from './scales/kl.js';
export { aciqThreshold } from './scales/aciq.js';
export type { SensitivityReport } from './selection/sensitivity.js';
