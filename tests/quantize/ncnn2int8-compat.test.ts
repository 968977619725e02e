/**
 * Table compatibility with ncnn's own INT8 tools, both ways, judged by the real runtime:
 *  - a table written by edgeface, fed to ncnn2int8, gives the same model as edgeface's INT8
 *    writer: byte-identical .bin, the same INT8 layers, identical INT8 embeddings;
 *  - a table written by ncnn2table, fed to `edgeface quantize --table`, gives the model
 *    ncnn2int8 makes from it, again byte for byte.
 * The tools are built from source by tools/ncnn_build/build.sh (npm's pretest step) into
 * .cache/ncnn-tools; $NCNN_TOOLS overrides the folder. Where they could not be built the
 * tests skip, except under EDGEFACE_REQUIRE_NCNN_TOOLS=1 (.ci/run), where that fails.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { quantize } from '../../src/quantize/quantize.js';
import { NcnnRuntime } from '../../src/runtime/ncnn.js';
import { presetByName, type Preprocess } from '../../src/image/preprocess.js';
import { convertAndWrite } from '../../src/convert/convert.js';
import { readNcnnModel } from '../../src/ncnn/io.js';
import { paramNumber } from '../../src/ncnn/model.js';
import { SHARED_MODELS as MODELS } from '../shared-data.js';
import { haveSharedData } from './heldout.js';
import { loadInputs } from './embeddings.js';
import { listCalibrationImages } from '../../src/quantize/calibration/images.js';
import { NCNN_TOOLS as tools, ncnn2tableArgs } from './ncnn-tools.js';

const ncnn2int8 = path.join(tools, 'ncnn2int8');
const ncnn2table = path.join(tools, 'ncnn2table');
const haveTools = existsSync(ncnn2int8) && existsSync(ncnn2table);
if (!haveTools && process.env.EDGEFACE_REQUIRE_NCNN_TOOLS === '1') {
  throw new Error(`ncnn2int8/ncnn2table not found in ${tools}; tools/ncnn_build/build.sh should have built them`);
}
const noTools = haveTools ? false : `ncnn2int8/ncnn2table not built in ${tools} (tools/ncnn_build/build.sh)`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-ncnn2int8-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Case { stem: string; pre: Preprocess; input: string; output: string }

async function defaultModel(): Promise<Case> {
  const stem = path.join(dir, 'edgeface-mbf');
  if (!existsSync(`${stem}.param`)) await convertAndWrite('models/edgeface-mbf.onnx', { param: `${stem}.param`, bin: `${stem}.bin` });
  return { stem, pre: presetByName('arcface'), input: 'data', output: 'fc1' };
}
const insightface = (): Case => ({ stem: path.join(MODELS, 'insightface-mbf-y1'), pre: presetByName('raw'), input: 'data', output: 'fc1' });

/** Names of the layers the .param marks INT8 (int8_scale_term, param id 8, set). */
function int8Layers(param: string): string[] {
  return readNcnnModel(param).layers.filter((l) => paramNumber(l, 8, 0) > 0).map((l) => l.name);
}

async function int8Embeddings(rt: NcnnRuntime, stem: string, c: Case): Promise<Float32Array> {
  const x = await loadInputs(listCalibrationImages('calibration/images').slice(100, 132), c.pre);
  const net = await rt.load(`${stem}.param`, `${stem}.bin`, { int8: true });
  try {
    return (await net.runBatch(x.n, { [c.input]: { data: x.data, shape: x.shape } }, [c.output]))[c.output]!.data;
  } finally {
    await net.close();
  }
}

/** ours and theirs are the same INT8 model: same bytes, same INT8 layers, same outputs. */
async function assertSameModel(c: Case, ours: string, theirs: string): Promise<void> {
  assert.ok(readFileSync(`${ours}.bin`).equals(readFileSync(`${theirs}.bin`)), `${ours}.bin and ${theirs}.bin differ`);
  const layers = int8Layers(`${ours}.param`);
  assert.ok(layers.length >= 40, `only ${layers.length} INT8 layers`);
  assert.deepEqual(int8Layers(`${theirs}.param`), layers);
  const rt = await NcnnRuntime.start();
  try {
    const a = await int8Embeddings(rt, ours, c);
    const b = await int8Embeddings(rt, theirs, c);
    const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    assert.equal(diff, 0, `INT8 embeddings differ by up to ${diff}`);
  } finally {
    await rt.close();
  }
}

async function edgefaceTableToNcnn2int8(c: Case, tag: string): Promise<void> {
  const ours = path.join(dir, `${tag}-edgeface`);
  const r = await quantize({ model: `${c.stem}.param`, calib: 'calibration/images', maxImages: 16, preprocess: c.pre, outParam: `${ours}.param`, outBin: `${ours}.bin`, progress: false });
  const theirs = path.join(dir, `${tag}-ncnn2int8`);
  await execa(ncnn2int8, [`${c.stem}.param`, `${c.stem}.bin`, `${theirs}.param`, `${theirs}.bin`, r.tablePath]);
  await assertSameModel(c, ours, theirs);
}

async function ncnn2tableToEdgeface(c: Case, tag: string): Promise<void> {
  const list = path.join(dir, `${tag}-images.txt`);
  writeFileSync(list, listCalibrationImages('calibration/images').slice(0, 16).join('\n') + '\n');
  const table = path.join(dir, `${tag}-ncnn2table.table`);
  await execa(ncnn2table, ncnn2tableArgs({ param: `${c.stem}.param`, bin: `${c.stem}.bin` }, list, table, c.pre, { threads: 2 }));
  const ours = path.join(dir, `${tag}-edgeface-from-their-table`);
  await quantize({ model: `${c.stem}.param`, table, outParam: `${ours}.param`, outBin: `${ours}.bin`, progress: false });
  const theirs = path.join(dir, `${tag}-ncnn2int8-from-their-table`);
  await execa(ncnn2int8, [`${c.stem}.param`, `${c.stem}.bin`, `${theirs}.param`, `${theirs}.bin`, table]);
  await assertSameModel(c, ours, theirs);
}

test('edgeface table -> ncnn2int8 == edgeface INT8 (default model)', { skip: noTools }, async () => {
  await edgefaceTableToNcnn2int8(await defaultModel(), 'mbf');
});

test('ncnn2table table -> edgeface quantize --table == ncnn2int8 (default model)', { skip: noTools }, async () => {
  await ncnn2tableToEdgeface(await defaultModel(), 'mbf');
});

test('edgeface table -> ncnn2int8 == edgeface INT8 (insightface-mbf-y1)', { skip: noTools || (haveSharedData() ? false : '../shared models not present') }, async () => {
  await edgefaceTableToNcnn2int8(insightface(), 'y1');
});

test('ncnn2table table -> edgeface quantize --table == ncnn2int8 (insightface-mbf-y1)', { skip: noTools || (haveSharedData() ? false : '../shared models not present') }, async () => {
  await ncnn2tableToEdgeface(insightface(), 'y1');
});
