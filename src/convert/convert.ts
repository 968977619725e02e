import path from 'node:path';
import type { IrGraph } from '../ir/graph.js';
import type { Shape } from '../ir/tensor.js';
import { writeNcnnModel } from '../ncnn/io.js';
import type { NcnnModel } from '../ncnn/model.js';
import { loadOnnxGraph } from '../onnx/load-model.js';
import { lowerToNcnn } from './lower-to-ncnn.js';
import { optimizeGraph, type PassReport } from './pipeline.js';
import { preprocessFromMetadata, resolvePreprocess, sizeFromNchw } from '../image/preprocess.js';
import { ncnnSafeName } from '../ncnn/names.js';
import { writeSidecar, type ModelSidecar } from '../ncnn/sidecar.js';

export interface ConvertOptions {
  /** Overrides of graph input shapes (ONNX order, batch included). */
  inputShapes?: Map<string, Shape>;
}

export interface ConvertResult {
  model: NcnnModel;
  graph: IrGraph;
  passes: PassReport;
  sidecar: ModelSidecar;
}

/** ONNX file -> optimised IR -> ncnn model (in memory). */
export function convertOnnxFile(onnxPath: string, opts: ConvertOptions = {}): ConvertResult {
  const graph = loadOnnxGraph(onnxPath);
  const passes = optimizeGraph(graph, opts.inputShapes);
  const model = lowerToNcnn(graph);
  const blobName = (v: string) => model.blobNames?.get(v) ?? ncnnSafeName(v);
  return { model, graph, passes, sidecar: sidecarFromGraph(graph, onnxPath, blobName) };
}

/**
 * Blob names and preprocessing for the sidecar. The preprocessing is written only for
 * models whose ONNX metadata has edgeface.* keys; its size is the image input's own shape
 * (metadata naming another size is an error). `blobName`: the blob the converter wrote for
 * an ONNX value (NcnnModel.blobNames: sanitised and unique).
 */
export function sidecarFromGraph(g: IrGraph, source: string, blobName: (value: string) => string = ncnnSafeName): ModelSidecar {
  const meta = preprocessFromMetadata(g.metadata, source);
  const image = g.inputs[0];
  const size = image ? sizeFromNchw(g.shapes.get(image.name)) : undefined;
  return {
    source: path.basename(source),
    inputs: g.inputs.map((i) => ({ name: blobName(i.name), shape: g.shapes.get(i.name) ?? [] })),
    outputs: g.outputs.map(blobName),
    preprocess: Object.keys(meta).length ? resolvePreprocess([{ from: 'ONNX metadata', values: meta }], size, source).preprocess : undefined,
  };
}

/** Default output paths: beside the input, same stem. */
export function defaultOutputs(onnxPath: string, outPrefix?: string): { param: string; bin: string } {
  const prefix = outPrefix ?? path.join(path.dirname(onnxPath), path.basename(onnxPath, path.extname(onnxPath)));
  return { param: `${prefix}.param`, bin: `${prefix}.bin` };
}

export async function convertAndWrite(
  onnxPath: string,
  out: { param: string; bin: string },
  opts: ConvertOptions & { fp16?: boolean } = {},
): Promise<ConvertResult> {
  const res = convertOnnxFile(onnxPath, opts);
  await writeNcnnModel(res.model, out.param, out.bin, { fp16: opts.fp16 });
  await writeSidecar(out.param, res.sidecar);
  return res;
}
