/**
 * The Xcode Run Script phase (targets/ios/edgeface-build-phase.sh) run with the environment
 * Xcode sets (SCRIPT_INPUT_FILE_LIST_n pointing at resolved .xcfilelist copies, DERIVED_FILE_DIR,
 * TARGET_BUILD_DIR, UNLOCALIZED_RESOURCES_FOLDER_PATH, CONFIGURATION, sandboxing on) in a tree
 * where everything but the folders of declared outputs is read-only (chmod; as root, a
 * read-only bind mount in a private mount namespace): outputs appear, nothing
 * undeclared changes, a second run changes nothing, a failing gate exits non-zero with
 * Xcode's `file:line: error:` format, an undeclared input is refused before any work.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addEdgefacePhase } from '../../src/targets/xcode/add-phase.js';
import { CLI, IOS_FIXTURE, REPO, sampleApp, smallLfw, tmpDir } from './sample-app.js';

const SCRIPT = path.join(REPO, 'targets/ios/edgeface-build-phase.sh');
const AS_ROOT = process.getuid?.() === 0;

/** path -> "mtime size" of every file under dir. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.set(p, `${s.mtimeMs} ${s.size}`);
      }
    }
  };
  walk(dir);
  return out;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((k) => before.get(k) !== after.get(k)).concat([...before.keys()].filter((k) => !after.has(k))).sort();
}

function chmodTree(dir: string, mode: (isDir: boolean) => number): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chmodTree(p, mode);
    chmodSync(p, mode(e.isDirectory()));
  }
  chmodSync(dir, mode(true));
}

function setup() {
  const root = tmpDir('xcode-phase');
  const srcRoot = path.join(root, 'App');
  cpSync(IOS_FIXTURE, srcRoot, { recursive: true });
  smallLfw(path.join(srcRoot, 'lfw'));
  const app = sampleApp(srcRoot, { modelEntry: { int8: true, calib: 'calibration/', gate: { lfw: 'lfw/', maxDrop: 50 } } });
  addEdgefacePhase(path.join(srcRoot, 'App.xcodeproj'), { target: 'Face App', script: SCRIPT });

  const dd = path.join(root, 'DerivedData', 'Build');
  const env: Record<string, string> = {
    SRCROOT: srcRoot,
    PROJECT_DIR: srcRoot,
    CONFIGURATION: 'Debug',
    DERIVED_FILE_DIR: path.join(dd, 'Intermediates.noindex/App.build/Debug-iphoneos/Face App.build/DerivedSources'),
    TARGET_BUILD_DIR: path.join(dd, 'Products/Debug-iphoneos'),
    UNLOCALIZED_RESOURCES_FOLDER_PATH: 'Face App.app',
    ENABLE_USER_SCRIPT_SANDBOXING: 'YES',
  };
  const expand = (s: string) => s.replace(/\$\((\w+)\)/g, (_, v: string) => env[v] ?? '');
  const scriptDir = path.join(dd, 'Intermediates.noindex/App.build/Debug-iphoneos/Face App.build/Script-1.xcfilelists');
  mkdirSync(scriptDir, { recursive: true });
  // Xcode hands the script resolved copies of the .xcfilelist files (variables expanded).
  for (const [kind, list] of [['INPUT', 'edgeface-inputs.xcfilelist'], ['OUTPUT', 'edgeface-outputs.xcfilelist']] as const) {
    const resolved = path.join(scriptDir, `${kind.toLowerCase()}-resolved.xcfilelist`);
    writeFileSync(resolved, readFileSync(path.join(srcRoot, list), 'utf8').split('\n').map(expand).join('\n'));
    env[`SCRIPT_${kind}_FILE_LIST_COUNT`] = '1';
    env[`SCRIPT_${kind}_FILE_LIST_0`] = resolved;
  }
  env.SCRIPT_INPUT_FILE_COUNT = '1';
  env.SCRIPT_INPUT_FILE_0 = SCRIPT;
  env.SCRIPT_OUTPUT_FILE_COUNT = '0';
  env.EDGEFACE_MANIFEST = app.manifest;
  // edgeface "installed" for the script (Xcode's PATH lacks Node's folders: the build setting).
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'edgeface'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  env.EDGEFACE_EXECUTABLE = path.join(bin, 'edgeface');

  const resources = path.join(env.TARGET_BUILD_DIR!, env.UNLOCALIZED_RESOURCES_FOLDER_PATH!);
  mkdirSync(resources, { recursive: true }); // Xcode creates the bundle and DerivedSources before script phases
  mkdirSync(env.DERIVED_FILE_DIR!, { recursive: true });
  writeFileSync(path.join(resources, 'Info.plist'), '<plist/>\n');
  // Read-only everywhere; writable only the folders that hold declared outputs.
  chmodTree(root, (d) => (d ? 0o555 : 0o444));
  chmodSync(path.join(bin, 'edgeface'), 0o555);
  for (const d of [resources, env.DERIVED_FILE_DIR!]) chmodSync(d, 0o755);
  const declaredOutputs = readFileSync(env.SCRIPT_OUTPUT_FILE_LIST_0!, 'utf8').split('\n').filter((l) => l !== '');
  const writable = [resources, env.DERIVED_FILE_DIR!];
  const run = (e: Record<string, string> = env) => runPhase(e, root, writable);
  return { root, srcRoot, app, env, resources, declaredOutputs, run, work: path.join(env.DERIVED_FILE_DIR!, 'edgeface') };
}

/**
 * Runs the phase script. As root (permissions do not bind root), inside a private mount
 * namespace where the whole tree is a read-only bind mount and only the folders holding
 * declared outputs are bound read-write again; otherwise the chmods of setup() bind.
 */
function runPhase(env: Record<string, string>, root: string, writable: string[]) {
  const q = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
  const cmd = AS_ROOT
    ? ['unshare', '-m', '--propagation', 'private', 'sh', '-ec',
      [`mount --bind ${q(root)} ${q(root)}`, `mount -o remount,bind,ro ${q(root)}`,
        ...writable.flatMap((d) => [`mount --bind ${q(d)} ${q(d)}`, `mount -o remount,bind,rw ${q(d)}`]),
        `exec /bin/sh ${q(SCRIPT)}`].join('\n')]
    : ['/bin/sh', SCRIPT];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    encoding: 'utf8',
    cwd: env.SRCROOT,
    env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('Xcode phase: builds into declared outputs only, second run changes nothing, gate failure is an Xcode error', () => {
  const s = setup();
  try {
    const before = snapshot(s.root);
    const r1 = s.run();
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stdout, /building .*edgeface\.json \(Debug\)/);
    const after1 = snapshot(s.root);
    const undeclared = changed(before, after1).filter((f) => !s.declaredOutputs.includes(f) && !f.startsWith(s.work + path.sep));
    assert.deepEqual(undeclared, [], 'files outside the declared outputs changed');
    for (const o of s.declaredOutputs.filter((o) => o !== s.work)) {
      assert.ok(existsSync(o), `declared output ${o} missing`);
      const produced = path.join(s.work, 'out', 'face', path.basename(o));
      assert.deepEqual(readFileSync(o), readFileSync(produced), `${o} differs from edgeface build's ${produced}`);
    }
    assert.match(readFileSync(path.join(s.env.DERIVED_FILE_DIR!, 'edgeface_face.h'), 'utf8'), /edgeface_face_spec/);

    const r2 = s.run();
    assert.equal(r2.code, 0, r2.stderr);
    const after2 = snapshot(s.root);
    const moved = changed(after1, after2).filter((f) => !/\.(log|txt)$/.test(f));
    assert.deepEqual(moved, [], 'a second run with nothing changed must not rewrite anything');

    // A gate INT8 cannot pass: non-zero exit, Xcode issue lines, outputs untouched.
    chmodSync(s.srcRoot, 0o755);
    chmodSync(s.app.manifest, 0o644);
    const m = JSON.parse(readFileSync(s.app.manifest, 'utf8'));
    m.models[0].gate = { lfw: 'lfw/', minCosine: 0.99999 };
    writeFileSync(s.app.manifest, JSON.stringify(m));
    chmodSync(s.app.manifest, 0o444);
    chmodSync(s.srcRoot, 0o555);
    const r3 = s.run();
    assert.notEqual(r3.code, 0);
    const errors = r3.stderr.split('\n').filter((l) => / error: /.test(l));
    assert.ok(errors.length >= 1, r3.stderr);
    for (const l of errors) assert.match(l, new RegExp(`^${s.app.manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: error: \\S`));
    assert.doesNotMatch(r3.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    chmodTree(s.root, (d) => (d ? 0o755 : 0o644));
  }
});

test('Xcode phase: an input the phase does not declare is refused before any work', () => {
  const s = setup();
  try {
    chmodSync(path.join(s.srcRoot, 'calibration'), 0o755);
    cpSync(s.app.calibImages[0]!, path.join(s.srcRoot, 'calibration', 'new-face.jpg'));
    const r = s.run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /edgeface\.json:1: error: .*calibration\/new-face\.jpg is read by edgeface build but is not a declared input/);
    assert.equal(existsSync(path.join(s.work, 'out')), false, 'nothing built');

    // Sandboxing needs the work folder declared.
    const noWork = { ...s.env, SCRIPT_OUTPUT_FILE_LIST_COUNT: '0' };
    const r2 = s.run(noWork);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /:1: error: with ENABLE_USER_SCRIPT_SANDBOXING, \$\(DERIVED_FILE_DIR\)\/edgeface must be a declared output/);
  } finally {
    chmodTree(s.root, (d) => (d ? 0o755 : 0o644));
  }
});
