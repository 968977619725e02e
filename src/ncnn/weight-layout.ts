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
  const p = (id: number, d: number) => paramNumber(l, id, d);
  switch (l.type) {
    case 'Convolution':
    case 'ConvolutionDepthWise':
    case 'Deconvolution':
    case 'DeconvolutionDepthWise':
    case 'InnerProduct': {
      const ip = l.type === 'InnerProduct';
      const numOutput = p(0, 0);
      const biasTerm = p(ip ? 1 : 5, 0);
      const weightSize = p(ip ? 2 : 6, 0);
      const int8 = p(8, 0);
      const group = l.type.endsWith('DepthWise') ? p(7, 1) : 1;
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
      const c = p(0, 0);
      return [raw('slope', c), raw('mean', c), raw('var', c), raw('bias', c)];
    }
    case 'PReLU':
      return [raw('slope', p(0, 0))];
    case 'Scale': {
      const n = p(0, 0);
      const specs = [raw('scale', n === -233 ? 0 : n)];
      if (p(1, 0)) specs.push(raw('bias', n));
      return specs;
    }
    case 'Normalize':
      return [raw('scale', p(3, 0))];
    case 'MemoryData': {
      const dims = [p(0, 0), p(1, 0), p(11, 0), p(2, 0)].filter((d) => d !== 0);
      return [raw('data', dims.reduce((a, b) => a * b, 1))];
    }
    case 'Embed':
    case 'RNN':
    case 'LSTM':
    case 'GRU':
    case 'MultiHeadAttention':
    case 'Gemm':
      throw new Error(`weight layout of ncnn layer type ${l.type} is not supported`);
    default:
      return [];
  }
}
