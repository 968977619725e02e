import { UnsupportedNodeError } from '../errors.js';
import { shapeOf, type IrGraph, type IrNode } from '../ir/graph.js';
import { int, layer, type NcnnLayer, type NcnnModel } from '../ncnn/model.js';
import { memoryData } from '../ops/memory-data.js';
import { uniqueNcnnNames } from '../ncnn/names.js';
import { checkLoweredModel } from './check-lowered.js';
import type { LowerContext } from '../ops/op-handler.js';
import { atNode, requireHandler, shapeContext } from '../passes/shape-context.js';
import { relayout, type BatchAxis } from '../ops/batch-axis.js';

/** Input layer with its shape (ncnn lists w, h, c; batch dropped). */
function inputLayer(name: string, dims: number[]): NcnnLayer {
  const rev = dims.slice(1).reverse();
  const ids = rev.length === 4 ? [0, 1, 11, 2] : [0, 1, 2];
  return layer('Input', name, [], [name], rev.map((d, i) => [ids[i]!, int(d)]));
}

/**
 * Lowers the optimised IR to ncnn layers: Input layers, one handler call per node, then
 * Split layers wherever a blob feeds several layers (ncnn blobs have one consumer).
 */
export function lowerToNcnn(g: IrGraph): NcnnModel {
  const layers: NcnnLayer[] = [];
  const used = new Set<string>([...g.nodes.map((n) => n.name), ...g.inputs.map((i) => i.name)]);
  const constBlobs = new Map<string, string>();
  const batchAxes = new Map<string, BatchAxis>();
  /** Batch-first copies of values whose batch axis is elsewhere (one Reshape each). */
  const batchFirst = new Map<string, string>();
  const base = shapeContext(g);
  const ctx: LowerContext = {
    ...base,
    blob(node, i) {
      const name = node.inputs[i]!;
      if (g.consts.has(name)) return ctx.blobAsIs(node, i);
      const b = ctx.batchAxis(name);
      if (b === 0) return name;
      let blob = batchFirst.get(name);
      if (!blob) {
        const s = shapeOf(g, name);
        if (!s) return ctx.fail(node, `shape of input '${name}' is unknown`);
        if (s[0] !== 1) return ctx.fail(node, `input '${name}' of shape ${JSON.stringify(s)} has no batch axis first, which this op needs`);
        blob = relayout(ctx, node, name, s, b, 0);
        batchFirst.set(name, blob);
      }
      return blob;
    },
    blobAsIs(node, i) {
      const name = node.inputs[i]!;
      const c = g.consts.get(name);
      if (!c) return name;
      let blob = constBlobs.get(name);
      if (!blob) {
        // A constant used as a blob: drop a leading batch-1 axis like activations have.
        const dims = c.dims.length >= 2 && c.dims[0] === 1 ? c.dims.slice(1) : c.dims;
        blob = memoryData(ctx, name, dims.length ? dims : [1], c.floats());
        constBlobs.set(name, blob);
      }
      return blob;
    },
    batchAxis(value) {
      const known = batchAxes.get(value);
      if (known !== undefined) return known;
      // Constants as MemoryData drop a leading 1 (see blobAsIs); other values are batch-first.
      const c = g.consts.get(value);
      if (c) return c.dims.length >= 2 && c.dims[0] === 1 ? 0 : null;
      return 0;
    },
    setBatchAxis(value, axis) {
      batchAxes.set(value, axis);
    },
    blobOf: (value) => value,
    outShape(node, i) {
      const s = shapeOf(g, node.outputs[i]!);
      if (!s) throw new UnsupportedNodeError(node.op, node.name, `shape of output '${node.outputs[i]}' is unknown`);
      return s;
    },
    emit: (l) => void layers.push(l),
    fresh(b) {
      let n = b;
      for (let k = 1; used.has(n); k++) n = `${b}_${k}`;
      used.add(n);
      return n;
    },
    fail(node: IrNode, why: string, hint?: string): never {
      throw new UnsupportedNodeError(node.op, node.name, why, hint);
    },
  };

  for (const inp of g.inputs) layers.push(inputLayer(inp.name, g.shapes.get(inp.name)!));
  for (const node of g.nodes) {
    const h = requireHandler(g, node);
    atNode(node, () => h.lower(node, ctx));
  }
  const layerNames = uniqueNcnnNames(layers.map((l) => l.name));
  const blobNames = uniqueNcnnNames(layers.flatMap((l) => [...l.outputs, ...l.inputs]));
  for (const l of layers) {
    l.name = layerNames.get(l.name)!;
    l.inputs = l.inputs.map((b) => blobNames.get(b)!);
    l.outputs = l.outputs.map((b) => blobNames.get(b)!);
  }
  const model = { layers: insertSplits(layers), blobNames };
  checkLoweredModel(g, model);
  return model;
}

/** ncnn requires a Split layer for a blob consumed more than once. */
export function insertSplits(layers: NcnnLayer[]): NcnnLayer[] {
  const uses = new Map<string, number>();
  for (const l of layers) for (const b of l.inputs) uses.set(b, (uses.get(b) ?? 0) + 1);
  const out: NcnnLayer[] = [];
  const pending = new Map<string, string[]>();
  for (const l of layers) {
    l.inputs = l.inputs.map((b) => pending.get(b)?.shift() ?? b);
    out.push(l);
    for (const b of l.outputs) {
      const n = uses.get(b) ?? 0;
      if (n < 2) continue;
      const names = Array.from({ length: n }, (_, k) => `${b}_splitncnn_${k}`);
      out.push(layer('Split', `splitncnn_${b}`, [b], names));
      pending.set(b, [...names]);
    }
  }
  return out;
}
