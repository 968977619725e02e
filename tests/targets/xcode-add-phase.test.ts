/**
 * `edgeface xcode add-phase`: the Run Script phase lands in the right target before Sources,
 * its .xcfilelist inputs/outputs name every file edgeface build reads and writes, the edited
 * project parses again with the same paths, a second run updates instead of duplicating.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import xcode, { type PbxNativeTarget } from 'xcode';
import { INPUT_LIST, OUTPUT_LIST, PHASE_NAME, pbxUnquote } from '../../src/targets/xcode/add-phase.js';
import { CLI, IOS_FIXTURE, REPO, sampleApp, tmpDir } from './sample-app.js';

function project(root: string) {
  cpSync(IOS_FIXTURE, root, { recursive: true });
  const app = sampleApp(root, { modelEntry: { int8: true, calib: 'calibration/' } });
  return { ...app, pbxproj: path.join(root, 'App.xcodeproj', 'project.pbxproj') };
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function phasesOf(pbxproj: string, targetName: string) {
  const p = xcode.project(pbxproj).parseSync();
  const objects = p.hash.project.objects;
  const targets = objects.PBXNativeTarget as Record<string, PbxNativeTarget>;
  const t = Object.entries(targets).find(([k, v]) => !k.endsWith('_comment') && pbxUnquote(v.name) === targetName)![1];
  const isaOf = (id: string) => Object.keys(objects).find((sec) => objects[sec]![id] !== undefined);
  return t.buildPhases.map((r) => ({ id: r.value, isa: isaOf(r.value), obj: objects[isaOf(r.value)!]![r.value] as Record<string, unknown> }));
}

test('add-phase: phase before Sources in the named target, lists and paths round-trip through the parser', () => {
  const root = tmpDir('xcode');
  const app = project(root);
  const r = cli(['xcode', 'add-phase', path.join(root, 'App.xcodeproj'), '--target', 'Face App']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /added phase/);

  const phases = phasesOf(app.pbxproj, 'Face App');
  assert.deepEqual(phases.map((p) => p.isa), ['PBXShellScriptBuildPhase', 'PBXSourcesBuildPhase', 'PBXFrameworksBuildPhase', 'PBXResourcesBuildPhase']);
  const ph = phases[0]!.obj;
  assert.equal(pbxUnquote(ph.name), PHASE_NAME);
  assert.equal(ph.shellPath, '/bin/sh');
  const strs = (v: unknown) => (v as unknown[]).map(pbxUnquote);
  assert.deepEqual(strs(ph.inputFileListPaths), [`$(SRCROOT)/${INPUT_LIST}`]);
  assert.deepEqual(strs(ph.outputFileListPaths), [`$(SRCROOT)/${OUTPUT_LIST}`]);
  const script = path.join(REPO, 'targets/ios/edgeface-build-phase.sh');
  assert.deepEqual(strs(ph.inputPaths), [script]); // the package is outside SRCROOT: absolute
  const shell = pbxUnquote(ph.shellScript);
  assert.match(shell, /export EDGEFACE_MANIFEST="\$\{SRCROOT\}\/edgeface\.json"/);
  assert.ok(shell.includes(`/bin/sh "${script}"`), shell);
  // The generated Swift constants are compiled: a DERIVED_FILE_DIR reference in Sources.
  const objects = xcode.project(app.pbxproj).parseSync().hash.project.objects;
  const sourcesFiles = (phases[1]!.obj.files as { value: string }[]).map((f) => (objects.PBXBuildFile![f.value] as { fileRef: string }).fileRef);
  const swiftRefs = sourcesFiles.map((id) => objects.PBXFileReference![id] as { path: string; sourceTree: string }).filter((r) => pbxUnquote(r.path).endsWith('.swift') && r.sourceTree === 'DERIVED_FILE_DIR');
  assert.deepEqual(swiftRefs.map((r) => pbxUnquote(r.path)), ['edgeface_face.swift']);
  // The other target is untouched.
  assert.deepEqual(phasesOf(app.pbxproj, 'AppTests').map((p) => p.isa), ['PBXSourcesBuildPhase', 'PBXFrameworksBuildPhase']);

  const inputs = readFileSync(path.join(root, INPUT_LIST), 'utf8').trimEnd().split('\n');
  assert.deepEqual(inputs, [
    '$(SRCROOT)/edgeface.json',
    '$(SRCROOT)/models/face.onnx',
    ...app.calibImages.map((f) => `$(SRCROOT)/calibration/${path.basename(f)}`),
  ]);
  const outputs = readFileSync(path.join(root, OUTPUT_LIST), 'utf8').trimEnd().split('\n');
  assert.deepEqual(outputs, [
    '$(DERIVED_FILE_DIR)/edgeface',
    '$(TARGET_BUILD_DIR)/$(UNLOCALIZED_RESOURCES_FOLDER_PATH)/face.param.bin',
    '$(TARGET_BUILD_DIR)/$(UNLOCALIZED_RESOURCES_FOLDER_PATH)/face.bin',
    '$(DERIVED_FILE_DIR)/edgeface_face.h',
    '$(DERIVED_FILE_DIR)/edgeface_face.swift',
  ]);
  // The lists shipped in targets/ios are the ones generated for this layout.
  assert.equal(readFileSync(path.join(REPO, 'targets/ios', OUTPUT_LIST), 'utf8'), outputs.join('\n') + '\n');
  const shippedIn = readFileSync(path.join(REPO, 'targets/ios', INPUT_LIST), 'utf8').trimEnd().split('\n');
  assert.deepEqual(shippedIn.slice(0, 2), inputs.slice(0, 2));

  // Again (after adding a calibration image): same phase updated, list refreshed, no duplicate.
  cpSync(app.calibImages[0]!, path.join(root, 'calibration', 'zz-new.jpg'));
  const again = cli(['xcode', 'add-phase', app.pbxproj, '--target', 'Face App']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /updated phase/);
  const phases2 = phasesOf(app.pbxproj, 'Face App');
  assert.equal(phases2.length, 4);
  assert.equal(phases2[0]!.id, phases[0]!.id);
  assert.equal((phases2[1]!.obj.files as unknown[]).length, (phases[1]!.obj.files as unknown[]).length, 'Swift file added once');
  assert.ok(readFileSync(path.join(root, INPUT_LIST), 'utf8').includes('$(SRCROOT)/calibration/zz-new.jpg'));
});

test('add-phase: unknown target and unreadable project are one-line errors that write nothing', () => {
  const root = tmpDir('xcode-bad');
  const app = project(root);
  const before = readFileSync(app.pbxproj, 'utf8');
  const r = cli(['xcode', 'add-phase', app.pbxproj, '--target', 'Nope']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^edgeface: error: .*project\.pbxproj: no target named 'Nope' \(targets: Face App, AppTests\)\n$/);
  assert.equal(readFileSync(app.pbxproj, 'utf8'), before);

  writeFileSync(app.pbxproj, before.slice(0, 2000));
  const broken = cli(['xcode', 'add-phase', app.pbxproj, '--target', 'Face App']);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^edgeface: error: .*project\.pbxproj(:\d+)?: not a readable Xcode project/);
  assert.equal(broken.stderr.trim().split('\n').length, 1, broken.stderr);
  assert.equal(readFileSync(app.pbxproj, 'utf8'), before.slice(0, 2000));

  writeFileSync(app.pbxproj, before);
  writeFileSync(app.manifest, '{"models": [');
  const badManifest = cli(['xcode', 'add-phase', app.pbxproj, '--target', 'Face App']);
  assert.equal(badManifest.code, 1);
  assert.match(badManifest.stderr, /^edgeface: error: .*edgeface\.json: not valid JSON/);
  assert.equal(readFileSync(app.pbxproj, 'utf8'), before);
});
