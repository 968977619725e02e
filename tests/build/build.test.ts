/**
 * `edgeface build` over an edgeface.json: a second build is a no-op (log and unchanged file
 * times), touching an input without changing it refreshes the output times only, changing
 * the model or adding a calibration image rebuilds, an INT8 gate failure exits 1 with
 * eval's reason and leaves the previous outputs alone, and `edgeface quantize` runs without
 * a model argument from the manifest's folder.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { convertAndWrite } from '../../src/convert/convert.js';
import { listCalibrationImages } from '../../src/quantize/calibration/images.js';
import { readStamp } from '../../src/emit/stamp.js';

const CLI = path.resolve('dist/src/cli.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], cwd = dir) => execa('node', [CLI, ...args], { cwd, reject: false });
const mtimes = (folder: string) => Object.fromEntries(readdirSync(folder).map((f) => [f, statSync(path.join(folder, f)).mtimeMs]));

/** A mini LFW set: the first 5 same and 5 different pairs of folds 1 and 2 of data/lfw-fold1. */
function miniLfw(to: string): void {
  const src = path.resolve('data/lfw-fold1');
  const lines = readFileSync(path.join(src, 'pairs.txt'), 'utf8').trim().split('\n');
  const per = Number(lines[0]!.split(/\s+/)[1]);
  const fold = (k: number) => lines.slice(1 + 2 * per * k, 1 + 2 * per * (k + 1));
  const pick = (f: string[]) => [...f.slice(0, 5), ...f.slice(per, per + 5)];
  mkdirSync(to, { recursive: true });
  writeFileSync(path.join(to, 'pairs.txt'), ['2\t5', ...pick(fold(0)), ...pick(fold(1))].join('\n') + '\n');
  const need = new Set<string>();
  for (const l of [...pick(fold(0)), ...pick(fold(1))]) {
    const p = l.split('\t');
    need.add(p[0]!);
    need.add(p.length === 3 ? p[0]! : p[2]!);
  }
  for (const person of need) {
    mkdirSync(path.join(to, 'aligned112', person), { recursive: true });
    const from = path.join(src, 'aligned112', person);
    for (const f of readdirSync(from)) copyFileSync(path.join(from, f), path.join(to, 'aligned112', person, f));
  }
}

before(async () => {
  mkdirSync(path.join(dir, 'models'));
  await convertAndWrite('models/edgeface-mbf.onnx', { param: path.join(dir, 'models/face.param'), bin: path.join(dir, 'models/face.bin') });
  mkdirSync(path.join(dir, 'calibration'));
  for (const f of listCalibrationImages('calibration/images').slice(0, 6)) copyFileSync(f, path.join(dir, 'calibration', path.basename(f)));
  miniLfw(path.join(dir, 'lfw'));
});

const manifest = (models: unknown[]) => writeFileSync(path.join(dir, 'edgeface.json'), JSON.stringify({ models }, null, 2));

test('FP32 model: second build is a no-op, a touched input refreshes times only, a changed model rebuilds', async () => {
  manifest([{ name: 'face', model: 'models/face.param', outputs: ['param-bin', 'typed-header'] }]);
  const r1 = await cli(['build', '-o', 'out']);
  assert.equal(r1.exitCode, 0, r1.stderr);
  assert.match(r1.stdout, /^face built /);
  const out = path.join(dir, 'out/face');
  assert.deepEqual(readdirSync(out).sort(), ['edgeface_face.h', 'face.bin', 'face.id.h', 'face.param.bin', 'face.stamp.json']);
  const t1 = mtimes(out);

  const r2 = await cli(['build', '-o', 'out']);
  assert.equal(r2.exitCode, 0, r2.stderr);
  assert.match(r2.stderr, /model "face": up to date/);
  assert.doesNotMatch(r2.stderr, /emitting|refreshed/);
  assert.deepEqual(mtimes(out), t1, 'a no-op build rewrote nothing');

  const later = new Date(Date.now() + 5000);
  utimesSync(path.join(dir, 'models/face.bin'), later, later);
  const r3 = await cli(['build', '-o', 'out']);
  assert.match(r3.stderr, /up to date .*output times refreshed/);
  const t3 = mtimes(out);
  for (const f of Object.keys(t1)) assert.ok(t3[f]! > t1[f]!, `${f} time not refreshed`);
  assert.ok(readFileSync(path.join(out, 'face.param.bin')).length > 0);

  const bin = readFileSync(path.join(dir, 'models/face.bin'));
  bin.writeFloatLE(bin.readFloatLE(bin.length - 4) + 0.5, bin.length - 4);
  writeFileSync(path.join(dir, 'models/face.bin'), bin);
  const r4 = await cli(['build', '-o', 'out']);
  assert.match(r4.stderr, /model "face": emitting/);
  assert.ok(readFileSync(path.join(out, 'face.bin')).equals(bin));
  assert.equal(readStamp(path.join(out, 'face.stamp.json'))!.inputs['models/face.bin'], (await import('node:crypto')).createHash('sha256').update(bin).digest('hex'));
});

test('INT8 with a passing gate: builds, is a no-op next time, and a new calibration image rebuilds', async () => {
  manifest([{ name: 'face8', model: 'models/face.param', int8: true, calib: 'calibration', quantize: { maxImages: 6, method: 'percentile' }, gate: { lfw: 'lfw', maxDrop: 100 } }]);
  const r1 = await cli(['build', '-o', 'out']);
  assert.equal(r1.exitCode, 0, r1.stderr);
  assert.match(r1.stderr, /gating INT8 against FP32/);
  const out = path.join(dir, 'out/face8');
  assert.match(readFileSync(path.join(out, 'edgeface_face8.h'), 'utf8'), /1, \/\* int8 \*\//);
  const stamp = readStamp(path.join(out, 'face8.stamp.json'))!;
  assert.equal(Object.keys(stamp.inputs).filter((f) => f.startsWith('calibration/')).length, 6);
  const t1 = mtimes(out);
  const r2 = await cli(['build', '-o', 'out', '--model', 'face8']);
  assert.match(r2.stderr, /up to date/);
  assert.deepEqual(mtimes(out), t1);
  const extra = listCalibrationImages('calibration/images')[10]!;
  copyFileSync(extra, path.join(dir, 'calibration', 'new.jpg'));
  const r3 = await cli(['build', '-o', 'out']);
  assert.equal(r3.exitCode, 0, r3.stderr);
  assert.match(r3.stderr, /quantizing to INT8/);
  assert.ok('calibration/new.jpg' in readStamp(path.join(out, 'face8.stamp.json'))!.inputs);
});

test('INT8 gate failure: exit 1 with eval\'s one-line reason, previous outputs untouched', async () => {
  manifest([{ name: 'face8', model: 'models/face.param', int8: true, calib: 'calibration', quantize: { maxImages: 6 }, gate: { lfw: 'lfw', minCosine: 0.999999 } }]);
  const out = path.join(dir, 'out/face8');
  const before = existsSync(out) ? mtimes(out) : {};
  const r = await cli(['build', '-o', 'out']);
  assert.equal(r.exitCode, 1);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines.at(-1)!, /^edgeface: error: model "face8": gate failed: .*mean embedding cosine 0\.9\d+ is below --min-cosine 0\.999999$/);
  assert.ok(!r.stderr.includes('    at '));
  assert.deepEqual(existsSync(out) ? mtimes(out) : {}, before);
  assert.ok(!readdirSync(path.join(dir, 'out')).some((f) => f.startsWith('.')), 'no staging folder left');
});

test('manifest errors name the file and field; quantize without a model uses the manifest', async () => {
  manifest([{ name: 'face', model: 'models/face.param', int8: true }]);
  const r1 = await cli(['build', '-o', 'out']);
  assert.equal(r1.exitCode, 1);
  assert.match(r1.stderr, /edgeface\.json: model "face": "int8": true needs "calib"/);
  manifest([{ name: 'face', model: 'models/face.param', quantize: { metod: 'kl' } }]);
  assert.match((await cli(['build', '-o', 'out'])).stderr, /unknown quantize option "metod"/);

  manifest([{ name: 'face', model: 'models/face.param', int8: true, calib: 'calibration', quantize: { maxImages: 4 } }]);
  const q = await cli(['quantize', '--calib', 'calibration', '-o', 'face-int8']);
  assert.equal(q.exitCode, 0, q.stderr);
  assert.match(q.stderr, /calibration: 4 images/);
  assert.match(readFileSync(path.join(dir, 'face-int8.param'), 'utf8'), / 8=2/);
});
