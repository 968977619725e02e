/**
 * The headers `edgeface emit` writes compile as C++ and C with every warning an error, and
 * hold what they claim: a program including the .id.h, .mem.h and typed header (of a model
 * with non-ASCII names, and of one with custom layer types) writes the embedded arrays back
 * out byte for byte and prints the typed header's blob ids, equal to the .id.h constants.
 * No ncnn needed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { emitModel } from '../../src/emit/emit.js';
import { CUSTOM_PARAM, ODD_NAMES_PARAM, oddNamesBin, writeModel } from './hand-models.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeface-emit-cc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const haveCompiler = async (cc: string) => (await execa(cc, ['--version'], { reject: false })).exitCode === 0;

const MAIN_CPP = `#include "odd_names_v2.id.h"
#include "odd_names_v2.mem.h"
#include "edgeface_odd_names_v2.h"
#include "custom.id.h"
#include <cstdio>
#include <cstring>

static int dump(const char* path, const unsigned char* data, size_t n) {
    FILE* f = std::fopen(path, "wb");
    if (!f) return 1;
    size_t w = std::fwrite(data, 1, n, f);
    std::fclose(f);
    return w == n ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const edgeface_model_spec& s = edgeface_odd_names_v2_spec;
    std::printf("%s %d %d %d %d %d %d %d %s %s\\n", s.name, s.input_blob, s.output_blob,
                odd_names_v2_param_id::BLOB_donn__es, odd_names_v2_param_id::BLOB_sortie___,
                s.input_width, s.input_height, s.embedding_size, s.output_name, s.sha256);
    std::printf("%d %d %d\\n", custom_param_id::TYPEINDEX_MyNorm, custom_param_id::TYPEINDEX_Other_Op2, EDGEFACE_ODD_NAMES_V2_OUTPUT_BLOB);
    return dump(argv[1], odd_names_v2_param_bin, sizeof(odd_names_v2_param_bin)) | dump(argv[2], odd_names_v2_bin, sizeof(odd_names_v2_bin));
}
`;

const MAIN_C = `#include "odd_names_v2.mem.h"
#include "edgeface_odd_names_v2.h"
int embedding_size(void) { return edgeface_odd_names_v2_spec.embedding_size + (int)sizeof(odd_names_v2_bin) * 0; }
`;

test('generated .id.h, .mem.h and typed header compile with g++ -Wall -Wextra -Werror and embed the exact bytes', { skip: (await haveCompiler('g++')) ? false : 'no g++' }, async () => {
  const m = writeModel(path.join(dir, 'odd names.v2'), ODD_NAMES_PARAM, oddNamesBin());
  const out = path.join(dir, 'gen');
  const res = await emitModel({ model: m.param, outDir: out, output: 'sortie_ü' });
  writeModel(path.join(dir, 'custom'), CUSTOM_PARAM, Buffer.alloc(0));
  await emitModel({ model: path.join(dir, 'custom.param'), outDir: out, outputs: ['param-bin'] });
  writeFileSync(path.join(dir, 'main.cpp'), MAIN_CPP);
  const exe = path.join(dir, 'main');
  await execa('g++', ['-std=c++11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', out, path.join(dir, 'main.cpp'), '-o', exe]);
  const r = await execa(exe, [path.join(dir, 'pb.out'), path.join(dir, 'bin.out')]);
  const [line1, line2] = r.stdout.split('\n');
  const s = res.spec!;
  assert.equal(line1, `odd_names_v2 ${s.inputBlob} ${s.outputBlob} ${s.inputBlob} ${s.outputBlob} 8 4 64 sortie_ü ${s.sha256}`);
  assert.equal(line2, `256 257 ${s.outputBlob}`);
  assert.ok(readFileSync(path.join(dir, 'pb.out')).equals(readFileSync(path.join(out, 'odd_names_v2.param.bin'))));
  assert.ok(readFileSync(path.join(dir, 'bin.out')).equals(oddNamesBin()));
});

test('typed header and .mem.h compile as C99 with gcc -Wall -Wextra -Werror', { skip: (await haveCompiler('gcc')) ? false : 'no gcc' }, async () => {
  const m = writeModel(path.join(dir, 'odd names.v2'), ODD_NAMES_PARAM, oddNamesBin());
  const out = path.join(dir, 'gen-c');
  await emitModel({ model: m.param, outDir: out, output: 'sortie_ü' });
  writeFileSync(path.join(dir, 'main.c'), MAIN_C);
  await execa('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', out, '-c', path.join(dir, 'main.c'), '-o', path.join(dir, 'main.o')]);
});
