/** Library API of the accuracy harness. */
export { runEval, defaultDataset, pairUp } from './run-eval.js';
export type { EvalOptions, EvalReport, ModelReport } from './run-eval.js';
export { loadDataset, type DatasetSpec } from './datasets/index.js';
export { checkGate } from './gate.js';
export type { GateLimits, GateVerdict } from './gate.js';
export { formatReport } from './report-table.js';
export { reportToJson, writeJsonReport } from './report-json.js';
export { rocSvg, writeRocPng } from './roc-plot.js';
export { evaluateVerification, pairDistances, kFoldBlocks, rocCurve, thresholdGrid } from './protocol.js';
export type { ProtocolOptions, ProtocolResult, RocCurve } from './protocol.js';
export { loadLfwPairs } from './datasets/lfw-pairs.js';
export { loadBinSet } from './datasets/bin-set.js';
export { readPickle } from './datasets/pickle.js';
export type { VerificationSet, VerificationPair, SetImage } from './datasets/verification-set.js';
export { decodeSet } from './decode-set.js';
export { embedSet } from './embed-set.js';
export { parseModelSpec } from './model-spec.js';
export type { ModelSpec } from './model-spec.js';
