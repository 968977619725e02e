/**
 * The Gradle hook (targets/android/edgeface.gradle) in a real Gradle (Debian's 4.4.1 here; a
 * plain project, no Android plugin): the first run builds, the second is up to date, a
 * changed calibration image or model reruns it, a failing INT8 gate fails the build with
 * edgeface's one-line reason. Skipped (with the reason) when no `gradle` is on PATH.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, REPO, sampleApp, smallLfw, tmpDir, touchOnnx } from './sample-app.js';

const GRADLE = spawnSync('sh', ['-c', 'command -v gradle'], { encoding: 'utf8' }).stdout.trim();

function gradle(dir: string, args: string[]) {
  // A daemon shared by the runs of this test (JVM start-up dominates), stopped at the end.
  const r = spawnSync(GRADLE, ['--offline', '--console=plain', ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

function taskState(out: string): 'executed' | 'up-to-date' | 'missing' {
  if (/:edgefaceBuild UP-TO-DATE/.test(out)) return 'up-to-date';
  if (/:edgefaceBuild\s*$/m.test(out)) return 'executed';
  return 'missing';
}

test('Gradle hook: builds, up to date, reruns on a changed input, gate failure fails the build', { skip: GRADLE === '' ? 'no gradle on PATH (Debian: apt-get install gradle)' : false }, (t) => {
  const dir = tmpDir('gradle');
  smallLfw(path.join(dir, 'lfw'));
  const app = sampleApp(dir, { modelEntry: { int8: true, calib: 'calibration/', gate: { lfw: 'lfw/', maxDrop: 50 } } });
  writeFileSync(path.join(dir, 'settings.gradle'), "rootProject.name = 'app'\n");
  writeFileSync(path.join(dir, 'gradle.properties'), 'org.gradle.daemon=true\norg.gradle.daemon.idletimeout=120000\n');
  writeFileSync(
    path.join(dir, 'build.gradle'),
    `apply from: ${JSON.stringify(path.join(REPO, 'targets/android/edgeface.gradle'))}\n` +
      `edgeface { command = [${JSON.stringify(process.execPath)}, ${JSON.stringify(CLI)}] }\n`,
  );
  t.after(() => gradle(dir, ['--stop']));

  const r1 = gradle(dir, ['edgefaceBuild']);
  assert.equal(r1.code, 0, r1.out);
  assert.equal(taskState(r1.out), 'executed', r1.out);
  const gen = path.join(dir, 'build/generated/edgeface');
  assert.deepEqual(readdirSync(path.join(gen, 'assets')).sort(), ['face.bin', 'face.param.bin']);
  for (const f of ['face.bin', 'face.param.bin'])
    assert.deepEqual(readFileSync(path.join(gen, 'assets', f)), readFileSync(path.join(dir, 'build/edgeface/out/face', f)));
  assert.ok(readdirSync(path.join(gen, 'include')).includes('edgeface_face.h'));
  assert.deepEqual(readdirSync(path.join(gen, 'java/org/edgeface/models')), ['FaceModel.java']);

  const r2 = gradle(dir, ['edgefaceBuild']);
  assert.equal(r2.code, 0, r2.out);
  assert.equal(taskState(r2.out), 'up-to-date', r2.out);

  appendFileSync(app.calibImages[1]!, Buffer.from([0])); // JPEG decoders ignore bytes after the end marker
  const r3 = gradle(dir, ['edgefaceBuild']);
  assert.equal(r3.code, 0, r3.out);
  assert.equal(taskState(r3.out), 'executed', 'a changed calibration image must rerun the task');

  touchOnnx(path.join(dir, 'models/face.onnx'));
  const m = JSON.parse(readFileSync(app.manifest, 'utf8'));
  m.models[0].gate = { lfw: 'lfw/', minCosine: 0.99999 };
  writeFileSync(app.manifest, JSON.stringify(m));
  const r4 = gradle(dir, ['edgefaceBuild']);
  assert.notEqual(r4.code, 0, 'a failing gate must fail the build');
  const reason = r4.out.split('\n').find((l) => l.startsWith('> '));
  assert.ok(reason !== undefined && !/edgeface: internal error/.test(reason), r4.out);
  assert.match(reason!, /cosine|gate/i);
});
