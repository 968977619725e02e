import { statSync } from 'node:fs';
import { readModelSkeleton, type ModelSkeleton } from './skeleton.js';
import { EdgefaceError } from '../errors.js';
import type { AttrValue, GraphInput, IrGraph, IrNode } from '../ir/graph.js';
import { ConstTensor, ONNX_DTYPES, type DType } from '../ir/tensor.js';
import { ExternalDataResolver } from './external-data.js';
import { onnx, toNumber, type AttributeProto, type ModelProto, type NodeProto } from './proto.js';
import { decodeTensor } from './tensor-proto.js';
import { checkOpset } from './opset.js';

/** A graph needs outputs, and each must come from a node, an input or an initializer. */
function checkOutputs(file: string, outputs: string[], known: Set<string>): void {
  if (outputs.length === 0) throw new EdgefaceError(`${file}: the graph declares no outputs; nothing to convert`);
  const seen = new Set<string>();
  for (const o of outputs) {
    if (!known.has(o)) throw new EdgefaceError(`${file}: graph output '${o}' is produced by no node, input or initializer`);
    if (seen.has(o)) throw new EdgefaceError(`${file}: graph output '${o}' is listed twice`);
    seen.add(o);
  }
}

function readModelProto(file: string): { model: ModelProto; skeleton: ModelSkeleton } {
  let skeleton: ModelSkeleton;
  try {
    if (statSync(file).size === 0) throw new EdgefaceError(`${file}: empty file, not an ONNX model`);
    skeleton = readModelSkeleton(file);
  } catch (e) {
    if (e instanceof EdgefaceError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new EdgefaceError(`${file}: cannot read (${code})`);
    throw new EdgefaceError(`${file}: not a readable ONNX model (${(e as Error).message})`, {
      hint: 'the file may be truncated or not an .onnx export',
    });
  }
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(skeleton.bytes);
  } catch (e) {
    throw new EdgefaceError(`${file}: not a readable ONNX model (protobuf decoding failed: ${(e as Error).message})`, {
      hint: 'the file may be truncated or not an .onnx export',
    });
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new EdgefaceError(`${file}: not an ONNX model (no graph with nodes inside)`, {
      hint: 'the file may be truncated or not an .onnx export',
    });
  }
  return { model, skeleton };
}

function decodeAttr(a: AttributeProto, where: string, ext: ExternalDataResolver): AttrValue {
  switch (a.type) {
    case 1: return a.f ?? 0;
    case 2: return toNumber(a.i ?? 0);
    case 3: return Buffer.from(a.s ?? new Uint8Array()).toString('utf8');
    case 4: return decodeTensor(a.t!, where, ext);
    case 6: return Array.from(a.floats ?? []);
    case 7: return (a.ints ?? []).map(toNumber);
    case 8: return (a.strings ?? []).map((s) => Buffer.from(s).toString('utf8'));
    default:
      throw new EdgefaceError(`${where}: attribute '${a.name}' has a type (${a.type}) edgeface does not read (subgraphs are not supported)`);
  }
}

/** Constant node -> tensor (value, value_float(s), value_int(s)). */
function constantValue(n: IrNode): ConstTensor | undefined {
  const v = n.attrs.get('value');
  if (v instanceof ConstTensor) return v;
  const vf = n.attrs.get('value_float');
  if (typeof vf === 'number') return ConstTensor.fromNumbers('float32', [], [vf]);
  const vfs = n.attrs.get('value_floats');
  if (Array.isArray(vfs)) return ConstTensor.fromNumbers('float32', [vfs.length], vfs as number[]);
  const vi = n.attrs.get('value_int');
  if (typeof vi === 'number') return ConstTensor.fromNumbers('int64', [], [vi]);
  const vis = n.attrs.get('value_ints');
  if (Array.isArray(vis)) return ConstTensor.fromNumbers('int64', [vis.length], vis as number[]);
  return undefined;
}

/** Reads an .onnx file (and its external data) into the converter's graph. */
export function loadOnnxGraph(file: string): IrGraph {
  const { model, skeleton } = readModelProto(file);
  const g = model.graph!;
  const ext = new ExternalDataResolver(file);
  const consts = new Map<string, ConstTensor>();
  (g.initializer ?? []).forEach((t, i) => consts.set(t.name ?? '', decodeTensor(t, file, ext, skeleton.raw.get(i))));

  const dtypes = new Map<string, DType>();
  const inputs: GraphInput[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (consts.has(name)) continue; // old exporters list initializers as inputs too
    if (dtypes.has(name)) throw new EdgefaceError(`${file}: graph input '${name}' is declared twice`);
    const tt = vi.type?.tensorType;
    const dtype = ONNX_DTYPES[tt?.elemType ?? 1] ?? 'float32';
    const dims = (tt?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : null));
    inputs.push({ name, dtype, dims });
    dtypes.set(name, dtype);
  }

  const nodes: IrNode[] = [];
  const usedNames = new Set<string>();
  (g.node ?? []).forEach((np: NodeProto, idx) => {
    const op = np.opType ?? '';
    let name = np.name || `${op}_${np.output?.[0] ?? idx}`;
    while (usedNames.has(name)) name = `${name}_${idx}`;
    usedNames.add(name);
    const where = `${file}: node '${name}' (${op})`;
    const attrs = new Map<string, AttrValue>();
    for (const a of np.attribute ?? []) attrs.set(a.name ?? '', decodeAttr(a, where, ext));
    const node: IrNode = { op, name, inputs: [...(np.input ?? [])], outputs: [...(np.output ?? [])], attrs, domain: np.domain ?? '' };
    if (op === 'Constant' && (node.domain === '' || node.domain === 'ai.onnx')) {
      const c = constantValue(node);
      if (!c) throw new EdgefaceError(`${where}: Constant without a value attribute edgeface can read`);
      consts.set(node.outputs[0]!, c);
      return;
    }
    nodes.push(node);
  });

  // Every input must come from somewhere: a graph input, an initializer or an earlier node.
  const known = new Set<string>([...consts.keys(), ...inputs.map((i) => i.name)]);
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (i && !known.has(i)) {
        const later = nodes.some((m) => m.outputs.includes(i));
        throw new EdgefaceError(
          later
            ? `${file}: node '${n.name}' (${n.op}) uses '${i}' before it is produced (graph not topologically sorted)`
            : `${file}: node '${n.name}' (${n.op}) input '${i}' is neither a graph input, an initializer nor a node output`,
          { hint: later ? undefined : 'the model is missing an initializer; re-export it (external .data file lost?)' },
        );
      }
    }
    for (const o of n.outputs) {
      if (!o) continue;
      if (known.has(o)) throw new EdgefaceError(`${file}: node '${n.name}' (${n.op}) output '${o}' is already produced elsewhere (a value must have one producer)`);
      known.add(o);
    }
  }

  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? toNumber(opsetEntry.version) : 13;
  checkOpset(file, opset);
  const outputs = (g.output ?? []).map((o) => o.name ?? '');
  checkOutputs(file, outputs, known);
  const metadata = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  return {
    nodes,
    inputs,
    outputs,
    consts,
    shapes: new Map(),
    dtypes,
    metadata,
    opset,
    source: file,
  };
}
