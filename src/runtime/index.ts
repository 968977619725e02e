/** Runtimes: the real ncnn (through the Python batch runner) and onnxruntime-node. */
export { NcnnRuntime, NcnnNet, openNcnnNet } from './ncnn.js';
export type { NcnnOptions, NcnnRuntimeOptions, BlobTensor } from './ncnn.js';
export { NcnnEmbeddingModel, startNcnnPool, inspectNcnnParam } from './ncnn-model.js';
export type { NcnnModelOptions, NcnnParamInfo } from './ncnn-model.js';
export { OnnxEmbeddingModel } from './onnx-model.js';
export type { OnnxModelOptions } from './onnx-model.js';
export type { EmbeddingModel } from './embedding-model.js';
export { readOnnxMetadata, readOnnxMetadataFromBytes } from './onnx-metadata.js';
export { pythonInterpreter, toolPath } from './python.js';
