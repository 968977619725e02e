import { EdgefaceError } from '../errors.js';
import { paramNumber, type NcnnLayer } from './model.js';

/** One buffer that a layer's load_model reads, in order (ncnn src/layer/*.cpp load_model). */
export interface BufferSpec {
  role: string;
  count: number;
  tagged: boolean;
}

const raw = (role: string, count: number): BufferSpec => ({ role, count, tagged: false });

/**
 * Buffers read from the .bin for a layer, derived from its params exactly as the runtime
 * does; layer types without weights return []. Unknown weighted types throw so a reader
 * never silently desynchronises from the file.
 */
export function weightLayout(l: NcnnLayer): BufferSpec[] {
  const where = `${l.source ? `${l.source}: ` : ''}layer '${l.name}' (${l.type})`;
  /** A count param: an integer of at least `min`, or the layer line is refused (not the next layer's weights). */
  const p = (id: number, d: number, min = 0) => {
    let v: number;
    try {
      v = paramNumber(l, id, d);
    } catch {
      throw new EdgefaceError(`${where}: param ${id} must be a number, not an array`);
    }
    if (!Number.isSafeInteger(v) || v < min) throw new EdgefaceError(`${where}: param ${id}=${v} must be an integer >= ${min}`);
    return v;
  };
  switch (l.type) {
    case 'Convolution':
    case 'ConvolutionDepthWise':
    case 'Deconvolution':
    case 'DeconvolutionDepthWise':
    case 'InnerProduct': {
      const ip = l.type === 'InnerProduct';
      const numOutput = p(0, 0, 1);
      const biasTerm = p(ip ? 1 : 5, 0);
      const weightSize = p(ip ? 2 : 6, 0, 1);
      const int8 = p(8, 0);
      const group = l.type.endsWith('DepthWise') ? p(7, 1, 1) : 1;
      // ncnn derives the input channels as weights / (outputs * kernel): it must divide.
      const perOutput = ip ? numOutput : numOutput * p(1, 0, 1) * p(11, p(1, 0, 1), 1);
      if (weightSize % perOutput !== 0) {
        throw new EdgefaceError(`${where}: ${weightSize} weights do not divide into ${numOutput} outputs${ip ? '' : ' of its kernel size'}`);
      }
      const out: BufferSpec[] = [{ role: 'weight', count: weightSize, tagged: true }];
      if (biasTerm) out.push(raw('bias', numOutput));
      if (int8 && !l.type.startsWith('Deconvolution')) {
        // depthwise: key 8 = 1/101 stores one weight scale per group, 2/102 a single one
        // that the runtime broadcasts (src/layer/convolutiondepthwise.cpp load_model)
        const perChannel = l.type === 'ConvolutionDepthWise' ? (int8 % 100 === 2 ? 1 : group) : numOutput;
        out.push(raw('weight_scales', perChannel), raw('input_scale', 1));
        if (int8 > 100) out.push(raw('output_scale', 1));
      }
      return out;
    }
    case 'BatchNorm': {
      const c = p(0, 0, 1);
      return [raw('slope', c), raw('mean', c), raw('var', c), raw('bias', c)];
    }
    case 'PReLU':
      return [raw('slope', p(0, 0, 1))];
    case 'Scale': {
      const n = p(0, 0, -233);
      if (n < 0 && n !== -233) throw new EdgefaceError(`${where}: param 0=${n} must be -233 or a count >= 0`);
      const specs = [raw('scale', n === -233 ? 0 : n)];
      if (p(1, 0)) specs.push(raw('bias', n));
      return specs;
    }
    case 'Normalize':
      return [raw('scale', p(3, 0))];
    case 'MemoryData': {
      const dims = [p(0, 0), p(1, 0), p(11, 0), p(2, 0)].filter((d) => d !== 0);
      if (!Number.isSafeInteger(dims.reduce((a, b) => a * b, 1))) throw new EdgefaceError(`${where}: dims ${JSON.stringify(dims)} are too large`);
      return [raw('data', dims.reduce((a, b) => a * b, 1))];
    }
    case 'Embed':
    case 'RNN':
    case 'LSTM':
    case 'GRU':
    case 'MultiHeadAttention':
    case 'Gemm':
      throw new EdgefaceError(`${where}: weight layout of ncnn layer type ${l.type} is not supported`);
    default:
      return [];
  }
}
