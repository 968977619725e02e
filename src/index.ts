/** edgeface library API. */
export { EdgefaceError, UnsupportedNodeError } from './errors.js';
export { convertOnnxFile, convertAndWrite, defaultOutputs, type ConvertOptions, type ConvertResult } from './convert/convert.js';
export { readSidecar, writeSidecar, findSidecar, type ModelSidecar } from './ncnn/sidecar.js';
export { resolvePreprocess, preprocessFromMetadata, type Preprocess, type InputSize } from './image/preprocess.js';
export { loadOnnxGraph } from './onnx/load-model.js';
export { optimizeGraph } from './convert/pipeline.js';
export { readNcnnModel, writeNcnnModel } from './ncnn/io.js';
export type { NcnnModel, NcnnLayer, ParamValue, WeightBuffer } from './ncnn/model.js';
export { inspectModel, type Inspection } from './inspect/inspect.js';
