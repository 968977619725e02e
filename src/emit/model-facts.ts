/**
 * What the typed header says about a model, read from the model itself: input/output blobs
 * (the converter's sidecar, else the graph), preprocessing (sidecar / ONNX metadata, then
 * the caller's overrides), input size (the Input layer, else the preprocessing), embedding
 * size (the output blob's shape as the real ncnn runtime computes it) and INT8-ness.
 */
import { EdgefaceError } from '../errors.js';
import { resolvePreprocess, type InputSize, type Preprocess, type PreprocessLayer } from '../image/preprocess.js';
import { ncnnBlobShapes } from '../inspect/runtime-shapes.js';
import { paramNumber, type NcnnModel } from '../ncnn/model.js';

export interface ModelFacts {
  input: string;
  output: string;
  preprocess: Preprocess;
  inputWidth: number;
  inputHeight: number;
  embeddingSize: number;
  int8: boolean;
}

export interface FactSources {
  /** Names recorded by the converter, if any. */
  input?: string;
  output?: string;
  /** Preprocessing layers for resolvePreprocess, lowest first (metadata or sidecar, flags). */
  preprocess: Array<PreprocessLayer | undefined>;
}

function inputBlob(model: NcnnModel, file: string, name?: string): string {
  const inputs = model.layers.filter((l) => l.type === 'Input').flatMap((l) => l.outputs);
  if (name !== undefined) {
    if (!inputs.includes(name)) throw new EdgefaceError(`${file}: no Input blob '${name}' (inputs: ${inputs.join(', ') || 'none'})`);
    return name;
  }
  if (inputs.length !== 1) throw new EdgefaceError(`${file}: the model has ${inputs.length} Input blobs; name the image input with --input`);
  return inputs[0]!;
}

function outputBlob(model: NcnnModel, file: string, name?: string): string {
  if (name !== undefined) {
    if (!model.layers.some((l) => l.outputs.includes(name))) throw new EdgefaceError(`${file}: no blob '${name}'`);
    return name;
  }
  const consumed = new Set(model.layers.flatMap((l) => l.inputs));
  const outs = model.layers.flatMap((l) => l.outputs).filter((b) => !consumed.has(b));
  if (outs.length !== 1) throw new EdgefaceError(`${file}: the model has ${outs.length} outputs (${outs.join(', ')}); name the embedding with --output`);
  return outs[0]!;
}

const INT8_LAYERS = new Set(['Convolution', 'ConvolutionDepthWise', 'InnerProduct']);

export function hasInt8Layers(model: NcnnModel): boolean {
  return model.layers.some((l) => INT8_LAYERS.has(l.type) && paramNumber(l, 8, 0) > 0);
}

/** `param`/`bin` are the model's files on disk (the runtime reads them for the output shape). */
export async function modelFacts(model: NcnnModel, param: string, bin: string, src: FactSources): Promise<ModelFacts> {
  const input = inputBlob(model, param, src.input);
  const output = outputBlob(model, param, src.output);
  const inLayer = model.layers.find((l) => l.type === 'Input' && l.outputs.includes(input))!;
  const w = paramNumber(inLayer, 0, 0);
  const h = paramNumber(inLayer, 1, 0);
  const modelSize: InputSize | undefined = w > 0 && h > 0 ? { width: w, height: h } : undefined;
  const pre = resolvePreprocess(src.preprocess, modelSize, param).preprocess;
  // ask the runtime for the output blob only (it extracts each blob it is asked for)
  const probe: NcnnModel = { layers: [...model.layers.filter((l) => l.type === 'Input'), { ...inLayer, type: 'Output', outputs: [output] }] };
  const shape = (await ncnnBlobShapes(param, bin, probe)).get(output);
  if (!shape) throw new EdgefaceError(`${param}: the ncnn runtime gave no shape for output blob '${output}'`);
  const embeddingSize = shape.reduce((a, b) => a * b, 1);
  return { input, output, preprocess: pre, inputWidth: pre.width, inputHeight: pre.height, embeddingSize, int8: hasInt8Layers(model) };
}
