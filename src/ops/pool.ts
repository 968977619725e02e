import { attrInt, attrInts } from '../ir/graph.js';
import { int, layer, type ParamValue } from '../ncnn/model.js';
import { checkedOutSize, convOutSize, geometry2d } from './conv-geometry.js';
import type { OpHandler } from './op-handler.js';

const TYPE = { max: 0, avg: 1 } as const;

/**
 * MaxPool/AveragePool/GlobalAveragePool/GlobalMaxPool -> Pooling.
 * Global pooling whose result is only flattened (marked `_flat` by a pass) uses ncnn's
 * global mode, which yields a 1-D blob; otherwise adaptive 1x1 keeps the (c,1,1) shape
 * that ONNX consumers expect.
 */
export const pool: OpHandler = {
  ops: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool'],

  inferShapes(node, ctx) {
    const x = ctx.inShape(node, 0);
    if (node.op.startsWith('Global')) return [node.attrs.get('_flat') === 1 ? [x[0]!, x[1]!] : [x[0]!, x[1]!, ...x.slice(2).map(() => 1)]];
    if (x.length !== 4) throw new Error('only 2-D pooling is supported');
    const k = attrInts(node, 'kernel_shape');
    if (!k) throw new Error('kernel_shape is missing');
    const g = geometry2d(node, k, x[2]!, x[3]!);
    const ceil = attrInt(node, 'ceil_mode', 0) === 1;
    // With ceil_mode a last window that would start inside the end padding is dropped
    // (PyTorch's rule, which onnxruntime follows).
    const size = (inp: number, k: number, s: number, d: number, p0: number, p1: number) => {
      const n = convOutSize(inp, k, s, d, p0, p1, ceil);
      return ceil && (n - 1) * s >= inp + p0 ? n - 1 : n;
    };
    return [[
      x[0]!,
      x[1]!,
      checkedOutSize(node, size(x[2]!, g.kh, g.sh, g.dh, g.top, g.bottom), 'height'),
      checkedOutSize(node, size(x[3]!, g.kw, g.sw, g.dw, g.left, g.right), 'width'),
    ]];
  },

  lower(node, ctx) {
    const type = node.op.includes('Max') ? TYPE.max : TYPE.avg;
    const params: Array<[number, ParamValue]> = [[0, int(type)]];
    if (node.op.startsWith('Global')) {
      if (node.attrs.get('_flat') === 1) params.push([4, int(1)]);
      else params.push([7, int(1)], [8, int(1)], [18, int(1)]);
    } else {
      const x = ctx.inShape(node, 0);
      const g = geometry2d(node, attrInts(node, 'kernel_shape')!, x[2]!, x[3]!);
      if (g.dh !== 1 || g.dw !== 1) return ctx.fail(node, 'dilated pooling is not supported by ncnn');
      const out = ctx.outShape(node, 0);
      // Explicit pads with "valid" mode; extra bottom/right padding reproduces ceil_mode.
      const extraB = Math.max(0, (out[2]! - 1) * g.sh + g.kh - (x[2]! + g.top + g.bottom));
      const extraR = Math.max(0, (out[3]! - 1) * g.sw + g.kw - (x[3]! + g.left + g.right));
      params.push(
        [1, int(g.kw)], [11, int(g.kh)], [2, int(g.sw)], [12, int(g.sh)],
        [3, int(g.left)], [13, int(g.top)], [14, int(g.right + extraR)], [15, int(g.bottom + extraB)],
        [5, int(1)],
      );
      if (type === TYPE.avg) {
        const includePad = attrInt(node, 'count_include_pad', 0);
        // ncnn would count the ceil_mode overhang as padding too; onnxruntime does not.
        if (includePad && (extraB > 0 || extraR > 0)) {
          return ctx.fail(node, 'ceil_mode=1 with count_include_pad=1 (where the last window overhangs) divides differently in ncnn', 'export with count_include_pad=0 or ceil_mode=0');
        }
        params.push([6, int(includePad)]);
      }
    }
    ctx.emit(layer('Pooling', node.name, [ctx.blob(node, 0)], [ctx.blobOf(node.outputs[0]!)], params));
  },
};
