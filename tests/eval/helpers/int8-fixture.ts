/**
 * A genuinely INT8 ncnn model for gate tests, without the project's quantizer: the shared
 * insightface MobileFaceNet with its final InnerProduct (pre_fc1, 512 -> 128) stored as
 * int8 weights with per-output scales and an input scale, in the layout ncnn2int8 writes
 * (int8-tagged weights, float32 bias, weight scales, input scale; key 8=2). The real ncnn
 * runtime then runs that layer in int8. `inputScaleFactor` < 1 coarsens the input
 * quantisation on purpose to make a model the gate must reject.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_MODELS } from '../../shared-data.js';

export const MBF_PARAM = path.join(SHARED_MODELS, 'insightface-mbf-y1.param');
export const MBF_BIN = path.join(SHARED_MODELS, 'insightface-mbf-y1.bin');

const IN = 512;
const OUT = 128;
const INT8_TAG = 0x000d4b38;

/**
 * Writes <dir>/<name>.param/.bin; `inputAbsMax` is the largest |activation| entering
 * pre_fc1 on calibration images (measured by the caller with the real runtime).
 */
export function writeInt8Mbf(dir: string, name: string, inputAbsMax: number, inputScaleFactor = 1): string {
  mkdirSync(dir, { recursive: true });
  const bin = readFileSync(MBF_BIN);
  const bnBytes = 4 * OUT * 4; // fc1 BatchNorm: slope, mean, var, bias
  const ipBytes = 4 + IN * OUT * 4 + OUT * 4; // tag + weights + bias
  const ipStart = bin.length - bnBytes - ipBytes;
  if (bin.readUInt32LE(ipStart) !== 0) throw new Error('pre_fc1 weights not where expected (float32 tag)');
  const w = new Float32Array(bin.buffer.slice(bin.byteOffset + ipStart + 4, bin.byteOffset + ipStart + 4 + IN * OUT * 4));
  const bias = bin.subarray(ipStart + 4 + IN * OUT * 4, ipStart + ipBytes);
  const q = new Int8Array(IN * OUT);
  const wScales = new Float32Array(OUT);
  for (let o = 0; o < OUT; o++) {
    let m = 0;
    for (let i = 0; i < IN; i++) m = Math.max(m, Math.abs(w[o * IN + i]!));
    const s = m > 0 ? 127 / m : 1;
    wScales[o] = s;
    for (let i = 0; i < IN; i++) q[o * IN + i] = Math.max(-127, Math.min(127, Math.round(w[o * IN + i]! * s)));
  }
  const tag = Buffer.alloc(4);
  tag.writeUInt32LE(INT8_TAG);
  const inScale = new Float32Array([(127 / inputAbsMax) * inputScaleFactor]);
  const out = Buffer.concat([
    bin.subarray(0, ipStart),
    tag,
    Buffer.from(q.buffer),
    bias,
    Buffer.from(wScales.buffer),
    Buffer.from(inScale.buffer),
    bin.subarray(bin.length - bnBytes),
  ]);
  const param = readFileSync(MBF_PARAM, 'utf8').replace(/^(InnerProduct\s+pre_fc1\s.*)$/m, '$1 8=2');
  const base = path.join(dir, name);
  writeFileSync(base + '.param', param);
  writeFileSync(base + '.bin', out);
  return base + '.param';
}
