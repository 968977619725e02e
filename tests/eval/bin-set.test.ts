/**
 * insightface .bin verification sets: Python's own pickle writes them (protocols 2 and 4,
 * JPEG bytes as insightface stores them); scoring the .bin gives exactly the figures of
 * the same pairs read from an LFW folder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import path from 'node:path';
import { loadBinSet } from '../../src/eval/datasets/bin-set.js';
import { readPickle, PickleTuple } from '../../src/eval/datasets/pickle.js';
import { runEval } from '../../src/eval/run-eval.js';
import { FOAMLIU_ONNX, python, smallLfw, tmpDir } from './helpers/common.js';

const IMAGENET = { color: 'RGB' as const, mean: [123.675, 116.28, 103.53] as [number, number, number], std: [58.395, 57.12, 57.375] as [number, number, number] };

/** 10 folds of 6 + 6 pairs from the bundled subset, as an LFW folder and as .bin files. */
function smallSets() {
  const dir = smallLfw(6);
  const script = `
import pickle, sys, os
root, out = sys.argv[1], sys.argv[2]
bins, issame = [], []
for line in open(os.path.join(root, 'pairs.txt')).read().split('\\n')[1:]:
    t = line.split('\\t')
    if len(t) == 3: a, b, s = (t[0], int(t[1])), (t[0], int(t[2])), True
    elif len(t) == 4: a, b, s = (t[0], int(t[1])), (t[2], int(t[3])), False
    else: continue
    for name, i in (a, b):
        bins.append(open(os.path.join(root, 'aligned112', name, '%s_%04d.jpg' % (name, i)), 'rb').read())
    issame.append(s)
for proto in (2, 4):
    with open(os.path.join(out, 'set-p%d.bin' % proto), 'wb') as f:
        pickle.dump((bins, issame), f, protocol=proto)
`;
  python(['-c', script, dir, dir]);
  return { dir, bin2: path.join(dir, 'set-p2.bin'), bin4: path.join(dir, 'set-p4.bin') };
}

test('.bin (pickle protocols 2 and 4) scores exactly like the same pairs from a folder', async () => {
  const { dir, bin2, bin4 } = smallSets();
  const models = [{ path: FOAMLIU_ONNX, format: 'onnx' as const, preprocess: IMAGENET }];
  const fromFolder = await runEval({ models, dataset: { lfw: dir } });
  for (const bin of [bin2, bin4]) {
    const set = loadBinSet(bin);
    assert.equal(set.pairs.length, 120);
    assert.equal(set.images.length, 240);
    const fromBin = await runEval({ models, dataset: { bin } });
    const a = fromFolder.models[0]!.result;
    const b = fromBin.models[0]!.result;
    assert.deepEqual(b.foldAccuracies, a.foldAccuracies);
    assert.equal(b.auc, a.auc);
    assert.equal(b.bestThreshold, a.bestThreshold);
    assert.ok(a.accuracyMean > 0.9, `sanity: accuracy ${a.accuracyMean}`);
  }
});

test('Python 2 style pickle (BINSTRING str, memo, MARK/APPENDS) is read', () => {
  // (["\\xff\\xd8ab", "cd"], [True, False]) as Python 2 pickle.dumps(..., 2) writes it.
  const bytes = Buffer.concat([
    Buffer.from([0x80, 0x02, 0x5d, 0x71, 0x00, 0x28]),
    Buffer.from([0x55, 4, 0xff, 0xd8, 0x61, 0x62]),
    Buffer.from([0x71, 0x01, 0x54, 2, 0, 0, 0, 0x63, 0x64, 0x71, 0x02, 0x65]),
    Buffer.from([0x5d, 0x71, 0x03, 0x28, 0x88, 0x89, 0x65, 0x86, 0x71, 0x04, 0x2e]),
  ]);
  const v = readPickle(bytes) as PickleTuple;
  const [bins, same] = v.items as [Uint8Array[], boolean[]];
  assert.deepEqual(bins.map((b) => [...b]), [[0xff, 0xd8, 0x61, 0x62], [0x63, 0x64]]);
  assert.deepEqual(same, [true, false]);
});

test('unsupported content (a numpy array) is refused with a clear message', () => {
  const dir = tmpDir('npbin');
  const file = path.join(dir, 'np.bin');
  python(['-c', `import pickle, numpy as np; pickle.dump(([b'a', b'b'], np.array([True])), open(${JSON.stringify(file)}, 'wb'))`]);
  assert.throws(() => loadBinSet(file), /np\.bin: not a readable insightface verification \.bin \(unsupported object numpy/);
});
