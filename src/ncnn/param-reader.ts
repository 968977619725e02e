import { EdgefaceError } from '../errors.js';
import { NCNN_MAGIC } from './param-writer.js';
import type { NcnnLayer, ParamDict, ParamValue } from './model.js';

const isFloatText = (s: string): boolean => /[.eE]/.test(s) || /^[-+]?(inf|nan)/i.test(s);

function parseScalar(s: string, where: string): ParamValue {
  const v = Number(s);
  if (Number.isNaN(v)) throw new EdgefaceError(`${where}: bad param value '${s}'`);
  return isFloatText(s) ? { kind: 'float', value: v } : { kind: 'int', value: v };
}

/** Largest Input a .param may declare (elements): runs on it must not take gigabytes. */
export const INPUT_ELEMENT_LIMIT = 1 << 24;

/**
 * One layer line against what came before: unique layer names and output blobs, inputs
 * produced by an earlier layer, and an Input of a sane declared size.
 */
function checkLayerLine(l: NcnnLayer, names: Set<string>, blobs: Set<string>): void {
  const where = l.source!;
  if (names.has(l.name)) throw new EdgefaceError(`${where}: layer name '${l.name}' is used twice`);
  names.add(l.name);
  for (const b of l.inputs) {
    if (!blobs.has(b)) throw new EdgefaceError(`${where}: layer '${l.name}' reads blob '${b}' that no earlier layer produces`);
  }
  for (const b of l.outputs) {
    if (blobs.has(b)) throw new EdgefaceError(`${where}: blob '${b}' is produced twice`);
    blobs.add(b);
  }
  if (l.type === 'Input') {
    let n = 1;
    for (const id of [0, 1, 11, 2]) {
      const v = l.params.get(id);
      if (v === undefined) continue;
      if (v.kind !== 'int' || v.value < 0) throw new EdgefaceError(`${where}: Input '${l.name}' dimension ${id}=${String(v.value)} is not a non-negative integer`);
      if (v.value > 0) n *= v.value;
    }
    if (n > INPUT_ELEMENT_LIMIT) {
      throw new EdgefaceError(`${where}: Input '${l.name}' declares ${n} elements, over edgeface's limit of ${INPUT_ELEMENT_LIMIT}`, {
        hint: 'face models take inputs like 3x112x112; running on this one would need gigabytes',
      });
    }
  }
}

/**
 * Parses a text .param into layers with params but no weights (see bin-reader for those).
 * `file` only names the source in error messages.
 */
export function parseParamText(text: string, file = '<param>'): NcnnLayer[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== String(NCNN_MAGIC)) {
    throw new EdgefaceError(`${file}: not an ncnn .param file (first line is not ${NCNN_MAGIC})`);
  }
  const counts = (lines[1] ?? '').split(/\s+/).map(Number);
  const [layerCount] = counts;
  if (counts.length !== 2 || !Number.isInteger(layerCount)) {
    throw new EdgefaceError(`${file}:2: expected '<layer count> <blob count>'`);
  }
  const layers: NcnnLayer[] = [];
  const names = new Set<string>();
  const blobs = new Set<string>();
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    const tok = line.split(/\s+/);
    const [type, name, nIn, nOut] = [tok[0]!, tok[1], Number(tok[2]), Number(tok[3])];
    if (name === undefined || !Number.isInteger(nIn) || !Number.isInteger(nOut) || nIn < 0 || nOut < 0 || tok.length < 4 + nIn + nOut) {
      throw new EdgefaceError(`${where}: malformed layer line`);
    }
    const inputs = tok.slice(4, 4 + nIn);
    const outputs = tok.slice(4 + nIn, 4 + nIn + nOut);
    const params: ParamDict = new Map();
    for (const kv of tok.slice(4 + nIn + nOut)) {
      const eq = kv.indexOf('=');
      if (eq < 0) throw new EdgefaceError(`${where}: bad param '${kv}'`);
      const key = Number(kv.slice(0, eq));
      if (!Number.isInteger(key) || (key > 31 && key > -23300) || (key < 0 && key > -23300) || key < -23300 - 31) {
        throw new EdgefaceError(`${where}: bad param id in '${kv}'`);
      }
      const val = kv.slice(eq + 1);
      if (key <= -23300) {
        const parts = val.split(',');
        const items = parts.slice(1).map((p) => parseScalar(p, where));
        const anyFloat = items.some((p) => p.kind === 'float');
        const value = items.map((p) => p.value as number);
        params.set(-23300 - key, anyFloat ? { kind: 'floats', value } : { kind: 'ints', value });
      } else {
        params.set(key, parseScalar(val, where));
      }
    }
    const l: NcnnLayer = { type, name, inputs, outputs, params, weights: [], source: where };
    checkLayerLine(l, names, blobs);
    layers.push(l);
  }
  if (layers.length !== layerCount) {
    throw new EdgefaceError(`${file}: header says ${layerCount} layers, found ${layers.length}`);
  }
  return layers;
}
