/** Bad inputs: a clear one-line error naming the file and line, non-zero exit, no stack trace. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FOAMLIU_ONNX, SUBSET, runCli, tmpDir } from './helpers/common.js';

const PAIRS = readFileSync(path.join(SUBSET, 'pairs.txt'), 'utf8').trimEnd().split('\n');

/** An LFW folder sharing the subset's images (symlinked) with its own pairs.txt. */
function lfwWithPairs(lines: string[]): string {
  const dir = tmpDir('pairs');
  symlinkSync(path.join(SUBSET, 'aligned112'), path.join(dir, 'aligned112'));
  writeFileSync(path.join(dir, 'pairs.txt'), lines.join('\n') + '\n');
  return dir;
}

function expectUserError(args: string[], pattern: RegExp): string {
  const r = runCli([FOAMLIU_ONNX, ...args]);
  assert.notEqual(r.code, 0, `should fail; stdout: ${r.stdout}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `no stack trace expected:\n${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line expected:\n${r.stderr}`);
  return r.stderr;
}

test('a pairs line naming a missing image: error names the line and the image', () => {
  const lines = [...PAIRS];
  lines[5] = 'Abel_Pacheco\t1\t99';
  const dir = lfwWithPairs(lines);
  expectUserError(['--lfw', dir], /pairs\.txt:6: image Abel_Pacheco\/Abel_Pacheco_0099\.jpg not found/);
});

test('header declares fewer folds than the file holds: error at the first extra line', () => {
  const dir = lfwWithPairs(['9\t30', ...PAIRS.slice(1)]);
  expectUserError(['--lfw', dir], /pairs\.txt:542: more pairs than the header \(.*pairs\.txt:1\) declares: 9 folds/);
});

test('header declares more folds than the file holds: error names where the file ends', () => {
  const dir = lfwWithPairs(PAIRS.slice(0, 1 + 9 * 60 + 10));
  expectUserError(['--lfw', dir], /pairs\.txt:552: file ends after 550 pairs .* fold 10 is incomplete/);
});

test('a fold with a different-person line where a same-person line belongs', () => {
  const lines = [...PAIRS];
  [lines[1], lines[31]] = [lines[31]!, lines[1]!];
  const dir = lfwWithPairs(lines);
  expectUserError(['--lfw', dir], /pairs\.txt:2: expected a same-person pair 'name i j' at pair 1 of fold 1/);
});

test('a corrupt image: error names the pairs line and the file', () => {
  const dir = tmpDir('corrupt');
  cpSync(path.join(SUBSET, 'pairs.txt'), path.join(dir, 'pairs.txt'));
  cpSync(path.join(SUBSET, 'aligned112'), path.join(dir, 'aligned112'), { recursive: true });
  const victim = path.join(dir, 'aligned112/Akhmed_Zakayev/Akhmed_Zakayev_0003.jpg');
  writeFileSync(victim, readFileSync(victim).subarray(0, 600)); // truncated JPEG
  expectUserError(['--lfw', dir], /pairs\.txt:3: .*Akhmed_Zakayev_0003\.jpg: cannot decode image/);
});

test('bad header, unknown model type, missing folder', () => {
  expectUserError(['--lfw', lfwWithPairs(['ten folds', ...PAIRS.slice(1)])], /pairs\.txt:1: expected a header/);
  const r = runCli(['model.tflite']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /model\.tflite: model must be an \.onnx file or an ncnn \.param/);
  const empty = tmpDir('nolfw');
  mkdirSync(path.join(empty, 'x'));
  expectUserError(['--lfw', path.join(empty, 'x')], /pairs\.txt: no such file/);
});
