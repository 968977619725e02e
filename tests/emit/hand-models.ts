/**
 * Small hand-written ncnn models for emit's edge cases: names with non-ASCII and punctuation
 * bytes, two outputs, float params in several spellings, and a custom layer type.
 */
import { writeFileSync } from 'node:fs';

/** Input 8x4x3 -> 1x1 Convolution (2 outputs, weights + bias) -> Split -> ReLU(0.1) / Sigmoid. */
export const ODD_NAMES_PARAM = `7767517
5 6
Input            données          0 1 données 0=8 1=4 2=3
Convolution      conv/1.a         1 1 données c.1#x 0=2 1=1 5=1 6=6
Split            splitncnn_0      1 2 c.1#x c.1#x_splitncnn_0 c.1#x_splitncnn_1
ReLU             relu:é           1 1 c.1#x_splitncnn_0 out.1 0=1.000000e-01
Sigmoid          sig-2            1 1 c.1#x_splitncnn_1 sortie_ü
`;

/** 4-byte float32 storage tag, 6 weights, 2 biases. */
export function oddNamesBin(): Buffer {
  const b = Buffer.alloc(4 + 8 * 4);
  [0.5, -0.25, 1.5, -1, 0.75, 0.125, 0.1, -0.2].forEach((v, i) => b.writeFloatLE(v, 4 + i * 4));
  return b;
}

export const ODD_NAMES_OUTPUTS = ['out.1', 'sortie_ü'];

/** A custom layer type (twice, and a second one) and float/array params in odd spellings. */
export const CUSTOM_PARAM = `7767517
5 5
Input            in0              0 1 in0 0=8 1=4 2=3
MyNorm           n1               1 1 in0 b1 0=1 1=2.5 2=-7 3=1e-3 4=.5 -23300=3,1,2.5e-3,-7
Power            p1               1 1 b1 b2 0=1.0 1=0.30000001 2=-1.5E+2
MyNorm           n2               1 1 b2 b3 0=12345678.9
Other_Op2        o1               1 1 b3 b4 -23301=2,3.14159274,1e+38
`;

export function writeModel(stem: string, param: string, bin: Buffer): { param: string; bin: string } {
  writeFileSync(`${stem}.param`, param);
  writeFileSync(`${stem}.bin`, bin);
  return { param: `${stem}.param`, bin: `${stem}.bin` };
}
