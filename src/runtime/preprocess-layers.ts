/**
 * The sources of a model's preprocessing as layers for resolvePreprocess
 * (src/image/preprocess.ts), lowest first: ONNX edgeface.* metadata, the .param.json
 * sidecar, flags. Each returns undefined when its source says nothing.
 */
import path from 'node:path';
import { preprocessFromMetadata, type Preprocess, type PreprocessLayer } from '../image/preprocess.js';
import type { ModelSidecar } from '../ncnn/sidecar.js';
import { readOnnxMetadata } from './onnx-metadata.js';

const nonEmpty = (from: string, values: Partial<Preprocess> | undefined): PreprocessLayer | undefined =>
  values && Object.values(values).some((v) => v !== undefined) ? { from, values } : undefined;

export async function onnxMetadataLayer(onnxPath: string, from = 'ONNX metadata'): Promise<PreprocessLayer | undefined> {
  return nonEmpty(from, preprocessFromMetadata(await readOnnxMetadata(onnxPath), onnxPath));
}

export function sidecarLayer(found: { file: string; sidecar: ModelSidecar } | undefined): PreprocessLayer | undefined {
  return found ? nonEmpty(path.basename(found.file), found.sidecar.preprocess) : undefined;
}

export function flagsLayer(values: Partial<Preprocess> | undefined, from = 'flags'): PreprocessLayer | undefined {
  return nonEmpty(from, values);
}
