/**
 * ncnn's layer type enum (layer_type_enum.h, generated from the order of ncnn_add_layer() in
 * ncnn's src/CMakeLists.txt). A binary .param stores a layer's type as its index here. The
 * enum is append-only: the October 2022 tree (the one ncnn2mem/ncnn2table are built from)
 * has the first 94 names; the PyPI runtime (1.0.20261020) appends the rest. Both lists are
 * checked against their source in tests (the tree's CMakeLists.txt, the runtime's
 * layer_to_index).
 */
export const NCNN_LAYER_TYPES_2022: readonly string[] = [
  'AbsVal', 'ArgMax', 'BatchNorm', 'Bias', 'BNLL', 'Concat', 'Convolution', 'Crop', 'Deconvolution', 'Dropout',
  'Eltwise', 'ELU', 'Embed', 'Exp', 'Flatten', 'InnerProduct', 'Input', 'Log', 'LRN', 'MemoryData',
  'MVN', 'Pooling', 'Power', 'PReLU', 'Proposal', 'Reduction', 'ReLU', 'Reshape', 'ROIPooling', 'Scale',
  'Sigmoid', 'Slice', 'Softmax', 'Split', 'SPP', 'TanH', 'Threshold', 'Tile', 'RNN', 'LSTM',
  'BinaryOp', 'UnaryOp', 'ConvolutionDepthWise', 'Padding', 'Squeeze', 'ExpandDims', 'Normalize', 'Permute', 'PriorBox', 'DetectionOutput',
  'Interp', 'DeconvolutionDepthWise', 'ShuffleChannel', 'InstanceNorm', 'Clip', 'Reorg', 'YoloDetectionOutput', 'Quantize', 'Dequantize', 'Yolov3DetectionOutput',
  'PSROIPooling', 'ROIAlign', 'Packing', 'Requantize', 'Cast', 'HardSigmoid', 'SELU', 'HardSwish', 'Noop', 'PixelShuffle',
  'DeepCopy', 'Mish', 'StatisticsPooling', 'Swish', 'Gemm', 'GroupNorm', 'LayerNorm', 'Softplus', 'GRU', 'MultiHeadAttention',
  'GELU', 'Convolution1D', 'Pooling1D', 'ConvolutionDepthWise1D', 'Convolution3D', 'ConvolutionDepthWise3D', 'Pooling3D', 'MatMul', 'Deconvolution1D', 'DeconvolutionDepthWise1D',
  'Deconvolution3D', 'DeconvolutionDepthWise3D', 'Einsum', 'DeformableConv2D',
];

/** Types the 2026 runtime appends (indices 94...); ncnn2mem of 2022 treats these as custom. */
export const NCNN_LAYER_TYPES_LATER: readonly string[] = [
  'GLU', 'Fold', 'Unfold', 'GridSample', 'CumulativeSum', 'CopyTo', 'Erf', 'Diag', 'CELU', 'Shrink',
  'RMSNorm', 'Spectrogram', 'InverseSpectrogram', 'Flip', 'SDPA', 'RotaryEmbed',
];

/** ncnn::LayerType::CustomBit: a custom layer's type index is CustomBit | its registration slot. */
export const CUSTOM_LAYER_BIT = 1 << 8;

const INDEX = new Map([...NCNN_LAYER_TYPES_2022, ...NCNN_LAYER_TYPES_LATER].map((t, i) => [t, i]));

/** The enum index of a built-in layer type, undefined for a type ncnn does not know. */
export function layerTypeIndex(type: string): number | undefined {
  return INDEX.get(type);
}
