/**
 * The Java and Swift constants `edgeface emit` writes beside the typed header hold the same
 * facts as the header, and those are the model's: for the bundled model (112x112, RGB,
 * ArcFace normalisation, 512-d) and a 112x96 model (W 96, BGR, ImageNet-style mean/std in
 * ONNX metadata, 64-d). The header is compiled and run (gcc), the Java class compiled and
 * run (javac/java, when a JDK is present), the Swift file read back as text (no Swift
 * compiler here); with kotlinc present, the example app's Kotlin compiles against them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pythonInterpreter } from '../../src/runtime/python.js';
import { BUNDLED_ONNX, CLI, REPO, tmpDir } from './sample-app.js';

const have = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const HAVE_JDK = have('javac') && have('java');

interface Facts {
  name: string;
  inputBlob: number;
  outputBlob: number;
  inputName: string;
  outputName: string;
  inputWidth: number;
  inputHeight: number;
  pixelOrder: number;
  mean: number[];
  norm: number[];
  embeddingSize: number;
  int8: boolean;
  sha256: string;
  edgefaceVersion: string;
}

/** A 112x96 (HxW) embedding model with BGR ImageNet-style preprocessing in its metadata. */
function model112x96(dir: string): string {
  const file = path.join(dir, 'narrow_face.onnx');
  execFileSync(pythonInterpreter(), ['-c', `
import numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(7)
x = helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 3, 112, 96])
y = helper.make_tensor_value_info('embedding', TensorProto.FLOAT, [1, 64])
w = numpy_helper.from_array(rng.standard_normal((16, 3, 3, 3)).astype(np.float32), 'w')
b = numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), 'b')
fw = numpy_helper.from_array(rng.standard_normal((64, 16)).astype(np.float32), 'fw')
fb = numpy_helper.from_array(rng.standard_normal(64).astype(np.float32), 'fb')
nodes = [helper.make_node('Conv', ['input', 'w', 'b'], ['c'], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
         helper.make_node('Relu', ['c'], ['r']), helper.make_node('GlobalAveragePool', ['r'], ['p']),
         helper.make_node('Flatten', ['p'], ['f']), helper.make_node('Gemm', ['f', 'fw', 'fb'], ['embedding'], transB=1)]
m = helper.make_model(helper.make_graph(nodes, 'narrow', [x], [y], [w, b, fw, fb]), opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
for k, v in {'edgeface.color': 'BGR', 'edgeface.mean': '123.675,116.28,103.53', 'edgeface.std': '58.395,57.12,57.375', 'edgeface.input_size': '112,96'}.items():
    e = m.metadata_props.add(); e.key = k; e.value = v
onnx.save(m, ${JSON.stringify(file)})
`]);
  return file;
}

/** The typed header's spec, as the C compiler sees it (floats printed exactly as float32 bits). */
function headerFacts(dir: string, name: string): Facts {
  const c = path.join(dir, 'print_spec.c');
  writeFileSync(c, `#include <stdio.h>
#include <string.h>
#include "edgeface_${name}.h"
static unsigned bits(float f) { unsigned u; memcpy(&u, &f, 4); return u; }
int main(void) {
  const edgeface_model_spec *s = &edgeface_${name}_spec;
  printf("{\\"name\\":\\"%s\\",\\"inputBlob\\":%d,\\"outputBlob\\":%d,\\"inputName\\":\\"%s\\",\\"outputName\\":\\"%s\\",", s->name, s->input_blob, s->output_blob, s->input_name, s->output_name);
  printf("\\"inputWidth\\":%d,\\"inputHeight\\":%d,\\"pixelOrder\\":%d,", s->input_width, s->input_height, s->pixel_order);
  printf("\\"mean\\":[%u,%u,%u],\\"norm\\":[%u,%u,%u],", bits(s->mean[0]), bits(s->mean[1]), bits(s->mean[2]), bits(s->norm[0]), bits(s->norm[1]), bits(s->norm[2]));
  printf("\\"embeddingSize\\":%d,\\"int8\\":%s,\\"sha256\\":\\"%s\\",\\"edgefaceVersion\\":\\"%s\\"}\\n", s->embedding_size, s->int8 ? "true" : "false", s->sha256, s->edgeface_version);
  return 0;
}
`);
  execFileSync('gcc', ['-std=c99', '-Wall', '-Werror', '-I', dir, c, '-o', path.join(dir, 'print_spec')]);
  return JSON.parse(execFileSync(path.join(dir, 'print_spec'), { encoding: 'utf8' })) as Facts;
}

const f32bits = (x: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return b.readUInt32LE();
};

/** The generated Java class's SPEC, compiled and run. */
function javaFacts(dir: string, className: string): Facts {
  const classes = path.join(dir, 'classes');
  mkdirSync(classes, { recursive: true });
  const main = path.join(dir, 'PrintSpec.java');
  writeFileSync(main, `import org.edgeface.ModelSpec;
public class PrintSpec {
  public static void main(String[] a) {
    ModelSpec s = ${className}.SPEC;
    float[] m = s.mean(), n = s.norm();
    System.out.println("{\\"name\\":\\"" + s.name + "\\",\\"inputBlob\\":" + s.inputBlob + ",\\"outputBlob\\":" + s.outputBlob
      + ",\\"inputName\\":\\"" + s.inputName + "\\",\\"outputName\\":\\"" + s.outputName + "\\",\\"inputWidth\\":" + s.inputWidth
      + ",\\"inputHeight\\":" + s.inputHeight + ",\\"pixelOrder\\":" + s.pixelOrder
      + ",\\"mean\\":[" + Integer.toUnsignedString(Float.floatToRawIntBits(m[0])) + "," + Integer.toUnsignedString(Float.floatToRawIntBits(m[1])) + "," + Integer.toUnsignedString(Float.floatToRawIntBits(m[2]))
      + "],\\"norm\\":[" + Integer.toUnsignedString(Float.floatToRawIntBits(n[0])) + "," + Integer.toUnsignedString(Float.floatToRawIntBits(n[1])) + "," + Integer.toUnsignedString(Float.floatToRawIntBits(n[2]))
      + "],\\"embeddingSize\\":" + s.embeddingSize + ",\\"int8\\":" + s.int8 + ",\\"sha256\\":\\"" + s.sha256 + "\\",\\"edgefaceVersion\\":\\"" + s.edgefaceVersion + "\\"}");
  }
}
`);
  const api = path.join(REPO, 'targets/android/java/org/edgeface');
  execFileSync('javac', ['-Werror', '-Xlint:all', '-Xlint:-options', '--release', '8', '-d', classes,
    path.join(api, 'ModelSpec.java'), path.join(dir, `${className.split('.').pop()}.java`), main]);
  return JSON.parse(execFileSync('java', ['-cp', classes, 'PrintSpec'], { encoding: 'utf8' })) as Facts;
}

/** The generated Swift file's initializer arguments, read back as text. */
function swiftFacts(file: string): Facts {
  const text = readFileSync(file, 'utf8');
  const arg = (k: string) => {
    const m = new RegExp(`\\n\\s+${k}: (.+?),?\\n`).exec(text);
    assert.ok(m, `${k} missing in ${file}`);
    return m[1]!;
  };
  const str = (k: string) => JSON.parse(arg(k)) as string;
  const floats = (k: string) => (JSON.parse(arg(k)) as number[]).map(f32bits);
  return {
    name: str('name'), inputBlob: Number(arg('inputBlob')), outputBlob: Number(arg('outputBlob')),
    inputName: str('inputName'), outputName: str('outputName'), inputWidth: Number(arg('inputWidth')), inputHeight: Number(arg('inputHeight')),
    pixelOrder: arg('pixelOrder') === '.bgr' ? 1 : 0, mean: floats('mean'), norm: floats('norm'), embeddingSize: Number(arg('embeddingSize')),
    int8: arg('int8') === 'true', sha256: str('sha256'), edgefaceVersion: str('edgefaceVersion'),
  };
}

/**
 * The example app's Kotlin (targets/android/example) compiles against the Java API, the
 * generated FaceModel and stubs of the three Android classes it touches (Debian's kotlinc 1.3).
 */
function kotlinUsageCompiles(out: string): void {
  const classes = path.join(out, 'kt-classes');
  const java = (d: string) => readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.java')).map((f) => path.join(d, f));
  execFileSync('javac', ['--release', '8', '-Xlint:-options', '-d', classes, ...java(path.join(REPO, 'targets/android/java')),
    ...java(path.join(REPO, 'targets/android/java-android')), ...java(path.join(REPO, 'tests/targets/android-stubs')), path.join(out, 'FaceModel.java')]);
  const kt = path.join(REPO, 'targets/android/example/app/src/main/java/org/edgeface/example/FaceMatcher.kt');
  const r = spawnSync('kotlinc', [kt, '-cp', classes, '-d', path.join(out, 'kt-out')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** BLOB_<name> of the ncnn2mem-style id header. */
function idBlob(dir: string, name: string, blob: string): number {
  const m = new RegExp(`const int BLOB_${blob.replace(/[^A-Za-z0-9]/g, '_')} = (\\d+);`).exec(readFileSync(path.join(dir, `${name}.id.h`), 'utf8'));
  assert.ok(m, `BLOB_${blob} missing`);
  return Number(m[1]);
}

function emit(model: string, dir: string, name: string): void {
  const r = spawnSync(process.execPath, [CLI, 'emit', model, '-o', dir, '--name', name], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const CASES = [
  {
    label: 'bundled model (112x112 RGB, ArcFace normalisation, 512-d)',
    model: () => BUNDLED_ONNX,
    name: 'face',
    javaClass: 'org.edgeface.models.FaceModel',
    expect: { inputWidth: 112, inputHeight: 112, pixelOrder: 0, embeddingSize: 512, mean: [127.5, 127.5, 127.5], norm: [1 / 127.5, 1 / 127.5, 1 / 127.5] },
  },
  {
    label: '112x96 model (W 96, BGR, ImageNet mean/std, 64-d)',
    model: (dir: string) => model112x96(dir),
    name: 'narrow_face',
    javaClass: 'org.edgeface.models.NarrowFaceModel',
    expect: { inputWidth: 96, inputHeight: 112, pixelOrder: 1, embeddingSize: 64, mean: [123.675, 116.28, 103.53], norm: [1 / 58.395, 1 / 57.12, 1 / 57.375] },
  },
];

for (const c of CASES) {
  test(`Java and Swift constants = typed header = the model: ${c.label}`, { skip: have('gcc') ? false : 'no gcc' }, () => {
    const dir = tmpDir('constants');
    const out = path.join(dir, 'out');
    emit(c.model(dir), out, c.name);
    const header = headerFacts(out, c.name);
    // The model's own facts.
    assert.equal(header.inputWidth, c.expect.inputWidth);
    assert.equal(header.inputHeight, c.expect.inputHeight);
    assert.equal(header.pixelOrder, c.expect.pixelOrder);
    assert.equal(header.embeddingSize, c.expect.embeddingSize);
    assert.deepEqual(header.mean, c.expect.mean.map(f32bits));
    assert.deepEqual(header.norm, c.expect.norm.map(f32bits));
    assert.equal(header.inputBlob, idBlob(out, c.name, header.inputName));
    assert.equal(header.outputBlob, idBlob(out, c.name, header.outputName));
    // Swift and Java: the same facts, float for float.
    assert.deepEqual(swiftFacts(path.join(out, `edgeface_${c.name}.swift`)), header);
    if (HAVE_JDK) assert.deepEqual(javaFacts(out, c.javaClass), header);
    if (c.name === 'face' && HAVE_JDK && have('kotlinc')) kotlinUsageCompiles(out);
  });
}
