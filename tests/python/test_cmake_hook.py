"""targets/cmake/edgeface.cmake, through targets/cmake/example built on the host against
ncnn built from source: the app embeds the model converted at build time and matches the
PyPI ncnn runtime; a second build does no work; touching the model or a calibration image
reruns only the model step; a failed INT8 gate fails the build with edgeface's reason."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import cpp_targets as ct

EXAMPLE = ct.ROOT / "targets" / "cmake" / "example"
STEP = "edgeface: building model face"


def have_build_command() -> bool:
    return subprocess.run(["node", str(ct.CLI), "build", "--help"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    if not ct.have_toolchain("host") or not have_build_command():
        if ct.required():
            pytest.fail("cmake/make/c++ or `edgeface build` missing")
        pytest.skip("cmake/make/c++ or `edgeface build` missing")
    prefix = Path(subprocess.run([str(ct.ROOT / "tools" / "ncnn_build" / "build-lib.sh"), "host"], capture_output=True,
                                 text=True, check=True).stdout.strip().splitlines()[-1])
    d = tmp_path_factory.mktemp("cmake")
    model = d / "face.onnx"
    shutil.copy(ct.ROOT / "models" / "edgeface-mbf.onnx", model)  # a copy: the tests touch it
    calib = d / "calib"
    calib.mkdir()
    for p in sorted((ct.ROOT / "calibration").rglob("*.jpg"))[:16]:
        shutil.copy(p, calib / p.name)
    return {"prefix": prefix, "dir": d, "model": model, "calib": calib}


def configure(env, build: Path, *defs: str):
    cmd = ["cmake", "-S", str(EXAMPLE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
           f"-Dncnn_DIR={env['prefix']}/lib/cmake/ncnn", f"-DEDGEFACE_EXECUTABLE=node;{ct.CLI}",
           f"-DEXAMPLE_MODEL={env['model']}", *defs]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]


def build(build_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["cmake", "--build", str(build_dir), "-j2"], capture_output=True, text=True)


def test_fp32_embedded_model_matches_python_and_rebuilds_only_when_needed(env):
    b = env["dir"] / "fp32"
    configure(env, b)
    r = build(b)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert r.stdout.count(STEP) == 1
    gen = b / "edgeface" / "face"
    assert (gen / "face.mem.h").exists() and (gen / "edgeface_face.h").exists()
    assert not list(EXAMPLE.glob("face*")), "outputs must stay out of the source tree"

    # The app's embeddings = the Python runtime on the same model (converted separately).
    images = ct.held_out_images(8)
    crops = [ct.load_rgb(p) for p in images]
    raws = []
    for i, c in enumerate(crops):
        raws.append(env["dir"] / f"crop{i}.rgb")
        raws[-1].write_bytes(c.tobytes())
    out = env["dir"] / "app.f32"
    run = subprocess.run([str(b / "face_example"), str(out), *map(str, raws)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ct.edgeface_cli("convert", str(env["model"]), "-o", str(env["dir"] / "ref"))
    spec = ct.write_spec(env["dir"] / "ref.param", env["dir"] / "ref.param.json", env["dir"] / "ref.spec")
    ref = ct.python_ncnn_embed(env["dir"] / "ref.param", env["dir"] / "ref.bin", spec, crops)
    app = np.fromfile(out, np.float32).reshape(len(crops), -1)
    cos = ct.cosines(app, ref)
    print(f"\nCMake example app vs Python ncnn: cosine min {cos.min():.6f}")
    assert cos.min() >= 0.9999

    r = build(b)
    assert r.returncode == 0 and STEP not in r.stdout and "Building" not in r.stdout and "Linking" not in r.stdout, r.stdout
    os.utime(env["model"])
    r = build(b)
    assert r.returncode == 0 and r.stdout.count(STEP) == 1, r.stdout
    # Only the model step and what includes its headers (edgeface build refreshes their times
    # when inputs were touched): the embedder library is not rebuilt.
    assert "embedder.cpp" not in r.stdout and "face_input.cpp" not in r.stdout, r.stdout


def test_int8_calibration_touch_and_gate_failure(env, tmp_path):
    b = env["dir"] / "int8"
    lfw = ct.ROOT / "data" / "lfw-fold1"
    configure(env, b, f"-DEXAMPLE_CALIB={env['calib']}", f"-DEXAMPLE_LFW={lfw}", "-DEXAMPLE_MAX_DROP=100")
    r = build(b)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    crop = tmp_path / "c.rgb"
    crop.write_bytes(ct.load_rgb(ct.held_out_images(1)[0]).tobytes())
    run = subprocess.run([str(b / "face_example"), str(tmp_path / "o.f32"), str(crop)], capture_output=True, text=True)
    assert run.returncode == 0 and ", int8," in run.stdout, run.stdout + run.stderr
    os.utime(sorted(env["calib"].iterdir())[3])
    r = build(b)
    assert r.returncode == 0 and r.stdout.count(STEP) == 1 and "embedder.cpp" not in r.stdout, r.stdout
    r = build(b)
    assert STEP not in r.stdout
    # An impossible gate: the build fails with edgeface's one-line reason.
    configure(env, b, "-DEXAMPLE_MAX_DROP=", "-DEXAMPLE_MIN_COSINE=0.999999")
    r = build(b)
    assert r.returncode != 0
    assert "gate" in (r.stdout + r.stderr).lower(), r.stdout[-2000:] + r.stderr[-2000:]
