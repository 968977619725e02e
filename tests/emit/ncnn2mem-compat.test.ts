/**
 * `edgeface emit` against ncnn's own ncnn2mem (built from the October 2022 tree by
 * tools/ncnn_build/build.sh into .cache/ncnn-tools): byte-identical .param.bin, .id.h and
 * .mem.h on the bundled model, its INT8 model, converter fixtures and hand-written models
 * with odd names and a custom layer type. Skips where the tool could not be built, except
 * under EDGEFACE_REQUIRE_NCNN_TOOLS=1 (.ci/run), where that fails.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { convertAndWrite } from '../../src/convert/convert.js';
import { emitModel, type EmitOutput } from '../../src/emit/emit.js';
import { quantize } from '../../src/quantize/quantize.js';
import { NCNN_TOOLS } from '../quantize/ncnn-tools.js';
import { CUSTOM_PARAM, ODD_NAMES_PARAM, oddNamesBin, writeModel } from './hand-models.js';
import { emitFixtures } from './fixtures.js';

const ncnn2mem = path.join(NCNN_TOOLS, 'ncnn2mem');
const haveTool = existsSync(ncnn2mem);
if (!haveTool && process.env.EDGEFACE_REQUIRE_NCNN_TOOLS === '1') {
  throw new Error(`ncnn2mem not found in ${NCNN_TOOLS}; tools/ncnn_build/build.sh should have built it`);
}
const skip = haveTool ? false : `ncnn2mem not built in ${NCNN_TOOLS} (tools/ncnn_build/build.sh)`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-emit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs ncnn2mem on `stem`.param/.bin (writing beside them) and `edgeface emit` on the same
 * files into another folder, and requires the three files to be identical.
 */
async function assertSameAsNcnn2mem(stem: string, outputs?: EmitOutput[]): Promise<void> {
  const base = path.basename(stem);
  await execa(ncnn2mem, [`${stem}.param`, `${stem}.bin`, `${stem}.id.h`, `${stem}.mem.h`]);
  const out = path.join(dir, `${base}-emitted`);
  const res = await emitModel({ model: `${stem}.param`, outDir: out, outputs: outputs ?? ['param-bin', 'mem-h'] });
  const m = res.name;
  for (const [theirs, ours] of [[`${stem}.param.bin`, `${m}.param.bin`], [`${stem}.id.h`, `${m}.id.h`], [`${stem}.mem.h`, `${m}.mem.h`]] as const) {
    const a = readFileSync(theirs);
    const b = readFileSync(path.join(out, ours));
    assert.ok(a.equals(b), `${ours} differs from ncnn2mem's ${path.basename(theirs)} (${b.length} vs ${a.length} bytes)`);
  }
}

let mbf = '';
before(async () => {
  mbf = path.join(dir, 'edgeface-mbf');
  await convertAndWrite('models/edgeface-mbf.onnx', { param: `${mbf}.param`, bin: `${mbf}.bin` });
});

test('bundled model: .param.bin, .id.h, .mem.h byte-identical to ncnn2mem (hyphenated file name)', { skip }, async () => {
  await assertSameAsNcnn2mem(mbf);
});

test('bundled model INT8: byte-identical to ncnn2mem', { skip }, async () => {
  const q = path.join(dir, 'edgeface-mbf-int8');
  await quantize({ model: `${mbf}.param`, calib: 'calibration/images', maxImages: 8, outParam: `${q}.param`, outBin: `${q}.bin`, progress: false });
  assert.match(readFileSync(`${q}.param`, 'utf8'), / 8=2/, 'the INT8 model has INT8 layers');
  await assertSameAsNcnn2mem(q);
});

test('converter fixtures (MobileFaceNet and iresnet18, BatchNorm kept, F.normalize head): byte-identical to ncnn2mem', { skip }, async () => {
  for (const onnx of await emitFixtures()) {
    const stem = path.join(dir, path.basename(onnx, '.onnx'));
    await convertAndWrite(onnx, { param: `${stem}.param`, bin: `${stem}.bin` });
    await assertSameAsNcnn2mem(stem);
  }
});

test('non-ASCII and punctuation names, two outputs: byte-identical to ncnn2mem', { skip }, async () => {
  const m = writeModel(path.join(dir, 'odd names.v2'), ODD_NAMES_PARAM, oddNamesBin());
  await assertSameAsNcnn2mem(m.param.replace(/\.param$/, ''));
  const id = readFileSync(path.join(dir, 'odd names.v2-emitted', 'odd_names_v2.id.h'), 'latin1');
  assert.match(id, /^const int BLOB_donn__es = 0;$/m);
  assert.match(id, /^namespace odd_names_v2_param_id \{$/m);
});

test('custom layer types: same type indices (256 | slot) and TYPEINDEX_ constants as ncnn2mem', { skip }, async () => {
  const stem = path.join(dir, 'custom');
  writeModel(stem, CUSTOM_PARAM, Buffer.alloc(0));
  await assertSameAsNcnn2mem(stem, ['param-bin', 'mem-h']);
  const id = readFileSync(path.join(dir, 'custom-emitted', 'custom.id.h'), 'latin1');
  assert.match(id, /^const int TYPEINDEX_MyNorm = 256;$/m);
  assert.match(id, /^const int TYPEINDEX_Other_Op2 = 257;$/m);
});

test('emit straight from .onnx gives the .param.bin of emit from the converted .param', async () => {
  const a = path.join(dir, 'from-onnx');
  const b = path.join(dir, 'from-param');
  const ra = await emitModel({ model: 'models/edgeface-mbf.onnx', outDir: a, outputs: ['param-bin'] });
  await emitModel({ model: `${mbf}.param`, outDir: b, outputs: ['param-bin'], name: ra.name });
  for (const f of [`${ra.name}.param.bin`, `${ra.name}.bin`, `${ra.name}.id.h`]) {
    assert.ok(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), `${f} differs`);
  }
});
