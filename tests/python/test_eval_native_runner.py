"""`edgeface eval --runner host`: ncnn built from source (targets/cpp's ncnn-float-runner)
scores the bundled FP32 model on the bundled LFW fold-1 set exactly as the PyPI runtime
does (same accuracy, same threshold). `--runner arm64` is the same runner cross-built and
run under qemu-aarch64 (tests/python/test_cpp_arm64.py covers those kernels)."""
from __future__ import annotations

import json

import pytest

import cpp_targets as ct


def test_host_runner_scores_like_the_python_runtime(tmp_path):
    if not ct.have_toolchain("host"):
        if ct.required():
            pytest.fail("cmake/make/c++ missing")
        pytest.skip("cmake/make/c++ missing")
    ct.edgeface_cli("convert", str(ct.ROOT / "models" / "edgeface-mbf.onnx"), "-o", str(tmp_path / "mbf"))
    results = {}
    for runner in ("python", "host"):
        out = tmp_path / f"{runner}.json"
        ct.edgeface_cli("eval", "--runner", runner, "--threads", "2", "-q", "--json", str(out), str(tmp_path / "mbf.param"))
        m = json.loads(out.read_text())["models"][0]
        results[runner] = m
    print(f"\nLFW fold 1, bundled model FP32: python {results['python']['result']['accuracyMean']:.4f}, "
          f"host {results['host']['result']['accuracyMean']:.4f} ({results['host']['runtime']})")
    assert results["host"]["runtime"] == "ncnn host"
    assert results["host"]["result"]["accuracyMean"] == results["python"]["result"]["accuracyMean"]
    assert results["host"]["result"]["bestThreshold"] == results["python"]["result"]["bestThreshold"]
