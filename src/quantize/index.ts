/** Public API of the INT8 quantizer. */
export { quantize, type QuantizeOptions, type QuantizeResult } from './quantize.js';
export { parseTable, formatTable, readTable, writeTable, type QuantTable } from './table.js';
export { writeInt8Model, type Int8WriteOptions, type Int8WriteResult } from './int8-writer.js';
export { klThreshold, aciqThreshold, ACTIVATION_METHODS, DEFAULT_METHOD, type ActivationMethod } from './scales/thresholds.js';
export type { SensitivityReport } from './selection/sensitivity.js';
