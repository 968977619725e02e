import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IrGraph } from '../ir/graph.js';
import { ncnnSafeName } from '../ncnn/names.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Preprocessing a model expects: (pixel - mean) / std on 0..255 values, in `color` order. */
export interface Preprocess {
  color: 'RGB' | 'BGR';
  mean: [number, number, number];
  std: [number, number, number];
  /** [height, width] */
  size: [number, number];
}

/**
 * What ncnn's files cannot carry: input/output blob names and the preprocessing, written as
 * `<model>.param.json` beside the .param so eval/quantize need no extra flags.
 */
export interface ModelSidecar {
  source: string;
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: string[];
  preprocess?: Preprocess;
}

const triple = (s: string | undefined): [number, number, number] | undefined => {
  const v = s?.split(',').map(Number);
  return v && v.length === 3 && v.every(Number.isFinite) ? (v as [number, number, number]) : undefined;
};

/** Reads edgeface.* metadata written by tools/trainer/export_onnx.py (absent: undefined). */
export function preprocessFromMetadata(meta: Map<string, string>): Preprocess | undefined {
  const mean = triple(meta.get('edgeface.mean'));
  const std = triple(meta.get('edgeface.std'));
  if (!mean || !std) return undefined;
  const size = meta.get('edgeface.input_size')?.split(',').map(Number);
  return {
    color: meta.get('edgeface.color') === 'BGR' ? 'BGR' : 'RGB',
    mean,
    std,
    size: size && size.length === 2 ? [size[0]!, size[1]!] : [112, 112],
  };
}

export function sidecarFromGraph(g: IrGraph, source: string): ModelSidecar {
  return {
    source: path.basename(source),
    inputs: g.inputs.map((i) => ({ name: ncnnSafeName(i.name), shape: g.shapes.get(i.name) ?? [] })),
    outputs: g.outputs.map(ncnnSafeName),
    preprocess: preprocessFromMetadata(g.metadata),
  };
}

export const sidecarPath = (paramFile: string) => `${paramFile}.json`;

export async function writeSidecar(paramFile: string, s: ModelSidecar): Promise<void> {
  await writeFileAtomic(sidecarPath(paramFile), JSON.stringify(s, null, 2) + '\n');
}

export function readSidecar(paramFile: string): ModelSidecar | undefined {
  try {
    return JSON.parse(readFileSync(sidecarPath(paramFile), 'utf8')) as ModelSidecar;
  } catch {
    return undefined;
  }
}
