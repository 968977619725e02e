import { EdgefaceError } from '../errors.js';
import { NCNN_MAGIC } from './param-writer.js';
import type { NcnnLayer, ParamDict, ParamValue } from './model.js';

const isFloatText = (s: string): boolean => /[.eE]/.test(s) || /^[-+]?(inf|nan)/i.test(s);

function parseScalar(s: string, where: string): ParamValue {
  const v = Number(s);
  if (Number.isNaN(v)) throw new EdgefaceError(`${where}: bad param value '${s}'`);
  return isFloatText(s) ? { kind: 'float', value: v } : { kind: 'int', value: v };
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
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    const tok = line.split(/\s+/);
    const [type, name, nIn, nOut] = [tok[0]!, tok[1], Number(tok[2]), Number(tok[3])];
    if (name === undefined || !Number.isInteger(nIn) || !Number.isInteger(nOut) || tok.length < 4 + nIn + nOut) {
      throw new EdgefaceError(`${where}: malformed layer line`);
    }
    const inputs = tok.slice(4, 4 + nIn);
    const outputs = tok.slice(4 + nIn, 4 + nIn + nOut);
    const params: ParamDict = new Map();
    for (const kv of tok.slice(4 + nIn + nOut)) {
      const eq = kv.indexOf('=');
      if (eq < 0) throw new EdgefaceError(`${where}: bad param '${kv}'`);
      const key = Number(kv.slice(0, eq));
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
    layers.push({ type, name, inputs, outputs, params, weights: [] });
  }
  if (layers.length !== layerCount) {
    throw new EdgefaceError(`${file}: header says ${layerCount} layers, found ${layers.length}`);
  }
  return layers;
}
