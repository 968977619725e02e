/** Library API of the accuracy harness. */
export { runEval, defaultDataset, loadDataset, pairUp } from './run-eval.js';
export type { EvalOptions, EvalReport, ModelReport, DatasetSpec } from './run-eval.js';
export { checkGate } from './gate.js';
export type { GateLimits, GateVerdict } from './gate.js';
export { formatReport } from './report-table.js';
export { reportToJson, writeJsonReport } from './report-json.js';
export { rocSvg, writeRocPng } from './roc-plot.js';
export { evaluateVerification, pairDistances, kFoldBlocks, rocCurve, thresholdGrid } from './protocol.js';
export type { ProtocolOptions, ProtocolResult, RocCurve } from './protocol.js';
export { loadLfwPairs } from './lfw-pairs.js';
export { loadBinSet } from './bin-set.js';
export { readPickle } from './pickle.js';
export type { VerificationSet, VerificationPair, SetImage } from './verification-set.js';
export { decodeSet } from './decode-set.js';
export { embedSet } from './embed-set.js';
export { parseModelSpec } from './model-spec.js';
export type { ModelSpec } from './model-spec.js';
