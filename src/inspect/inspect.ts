import { existsSync } from 'node:fs';
import { EdgefaceError } from '../errors.js';
import { convertOnnxFile } from '../convert/convert.js';
import { describePreprocess, resolvePreprocess, type InputSize, type Preprocess, type PreprocessLayer } from '../image/preprocess.js';
import { readNcnnModel } from '../ncnn/io.js';
import { findSidecar } from '../ncnn/sidecar.js';
import { onnxMetadataLayer, sidecarLayer } from '../runtime/preprocess-layers.js';
import type { NcnnModel } from '../ncnn/model.js';
import { layerFlops, layerParams, type BlobShape } from './layer-cost.js';
import { ncnnBlobShapes } from './runtime-shapes.js';

export interface LayerInfo {
  type: string;
  name: string;
  inputs: string[];
  outputs: string[];
  outShape?: BlobShape;
  params: number;
  flops: number;
}

export interface Inspection {
  file: string;
  format: 'onnx' | 'ncnn';
  layers: LayerInfo[];
  totalParams: number;
  totalFlops: number;
  /** What quantize and eval would feed the model, and where that comes from. */
  preprocess: Preprocess;
  preprocessFrom: string;
}

/** The first Input layer's fixed size (keys 0 = w, 1 = h). */
function inputSize(model: NcnnModel): InputSize | undefined {
  const input = model.layers.find((l) => l.type === 'Input');
  const get = (k: number) => {
    const v = input?.params.get(k);
    return v && v.kind === 'int' ? v.value : 0;
  };
  return get(0) > 0 && get(1) > 0 ? { width: get(0), height: get(1) } : undefined;
}

function summarize(
  file: string,
  format: Inspection['format'],
  model: NcnnModel,
  shapes: Map<string, BlobShape>,
  preprocessLayers: (PreprocessLayer | undefined)[],
): Inspection {
  const pre = resolvePreprocess(preprocessLayers, inputSize(model), file);
  const layers = model.layers.map((l): LayerInfo => {
    const outShape = shapes.get(l.outputs[0] ?? '');
    return { type: l.type, name: l.name, inputs: l.inputs, outputs: l.outputs, outShape, params: layerParams(l), flops: layerFlops(l, outShape) };
  });
  return {
    file,
    format,
    layers,
    totalParams: layers.reduce((a, l) => a + l.params, 0),
    totalFlops: layers.reduce((a, l) => a + l.flops, 0),
    preprocess: pre.preprocess,
    preprocessFrom: pre.from,
  };
}

/**
 * .onnx: converted in memory, shapes from edgeface's shape inference (ncnn layout, batch dropped).
 * .param: shapes measured by running the real ncnn runtime on a zero input.
 */
export async function inspectModel(file: string): Promise<Inspection> {
  if (file.endsWith('.onnx')) {
    const res = convertOnnxFile(file);
    const shapes = new Map<string, BlobShape>();
    for (const [name, s] of res.graph.shapes) shapes.set(name, s.slice(1));
    return summarize(file, 'onnx', res.model, shapes, [await onnxMetadataLayer(file)]);
  }
  if (file.endsWith('.param')) {
    const bin = file.replace(/\.param$/, '.bin');
    if (!existsSync(bin)) throw new EdgefaceError(`${file}: no ${bin} beside it`);
    const model = readNcnnModel(file, bin);
    return summarize(file, 'ncnn', model, await ncnnBlobShapes(file, bin, model), [sidecarLayer(findSidecar(file))]);
  }
  throw new EdgefaceError(`${file}: expected a .onnx or .param file`);
}

const human = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n));

export function formatInspection(info: Inspection): string {
  const rows = info.layers.map((l) => [l.type, l.name, l.outShape ? l.outShape.join('x') : '?', human(l.params), human(l.flops)]);
  const head = ['type', 'name', 'output', 'params', 'flops'];
  // A loop, not Math.max(...rows): a spread of 200,000 rows overflows the call stack.
  const widths = head.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    `${info.file} (${info.format}): ${info.layers.length} layers, ${human(info.totalParams)} parameters (${info.totalParams}), ${human(info.totalFlops)} FLOPs`,
    `preprocessing: ${describePreprocess(info.preprocess)} (${info.preprocessFrom})`,
    line(head),
    ...rows.map(line),
    '',
  ].join('\n');
}
