import { EdgefaceError } from '../errors.js';
import type { IrGraph } from '../ir/graph.js';
import type { NcnnModel } from '../ncnn/model.js';

/**
 * Last check before a model is written: every graph output is computed by some layer from
 * the inputs, every blob has one producer, and every layer input exists already. A model
 * failing this would load in ncnn and compute nothing (or would not load at all), so it is
 * refused here instead of being written out.
 */
export function checkLoweredModel(g: IrGraph, model: NcnnModel): void {
  const producer = new Map<string, string>();
  for (const l of model.layers) {
    for (const b of l.inputs) {
      if (!producer.has(b)) throw new EdgefaceError(`${g.source}: layer '${l.name}' (${l.type}) reads blob '${b}' that no earlier layer produces`);
    }
    for (const b of l.outputs) {
      const other = producer.get(b);
      if (other !== undefined) throw new EdgefaceError(`${g.source}: blob '${b}' is produced by both '${other}' and '${l.name}'`);
      producer.set(b, l.type === 'Input' ? '' : l.name);
    }
  }
  if (g.outputs.length === 0) throw new EdgefaceError(`${g.source}: the graph has no outputs; nothing to convert`);
  for (const o of g.outputs) {
    const blob = model.blobNames?.get(o) ?? o;
    const by = producer.get(blob);
    if (by === undefined || by === '') {
      const why = g.consts.has(o)
        ? 'is a constant (it does not depend on any input)'
        : by === ''
          ? 'is a graph input passed straight through (no layer computes it)'
          : 'is produced by no layer';
      throw new EdgefaceError(`${g.source}: graph output '${o}' ${why}; refused`, {
        hint: 'an ncnn model needs every output computed from its inputs; check the export',
      });
    }
  }
}
