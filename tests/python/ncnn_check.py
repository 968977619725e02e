"""Shared test helpers: convert with the edgeface CLI, run the real ncnn runtime and
onnxruntime on the same inputs, and compare."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import ncnn
import numpy as np
import onnxruntime as ort

from repo_paths import CLI, ROOT  # noqa: F401  (re-exported for the tests)


def edgeface(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Runs the edgeface CLI (built into dist/)."""
    r = subprocess.run(["node", str(CLI), *args], capture_output=True, text=True, env={**os.environ})
    if check and r.returncode != 0:
        raise AssertionError(f"edgeface {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def convert(onnx_path: Path | str, out_prefix: Path | str, *flags: str) -> tuple[Path, Path]:
    edgeface("convert", str(onnx_path), "-o", str(out_prefix), *flags)
    return Path(f"{out_prefix}.param"), Path(f"{out_prefix}.bin")


def run_ort(onnx_path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def ort_output_names(onnx_path) -> list[str]:
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    return [o.name for o in sess.get_outputs()]


def run_ncnn(param, binf, feeds: dict[str, np.ndarray], outputs: list[str], fp16: bool = False, threads: int = 2) -> list[np.ndarray]:
    """Real ncnn, one sample: the batch axis of each feed is dropped."""
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    for k in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"):
        setattr(net.opt, k, fp16)
    assert net.load_param(str(param)) == 0, f"ncnn cannot load {param}"
    assert net.load_model(str(binf)) == 0, f"ncnn cannot load {binf}"
    ex = net.create_extractor()
    for name, arr in feeds.items():
        a = np.ascontiguousarray(arr[0] if arr.ndim >= 2 else arr, dtype=np.float32)
        # clone: ncnn.Mat(a) borrows numpy memory, and an in-place first layer would write into it
        assert ex.input(name, ncnn.Mat(a).clone()) == 0, f"ncnn has no input blob {name}"
    outs = []
    for name in outputs:
        ret, m = ex.extract(name)
        assert ret == 0, f"ncnn could not extract {name} (ret {ret})"
        outs.append(np.array(m).copy())
    return outs


def compare(got: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """(cosine, max abs error relative to the reference's max magnitude)."""
    g = got.astype(np.float64).ravel()
    r = ref.astype(np.float64).ravel()
    assert g.size == r.size, f"size {g.size} != reference {r.size}"
    cos = float(g @ r / (np.linalg.norm(g) * np.linalg.norm(r) + 1e-30))
    rel = float(np.max(np.abs(g - r)) / (np.max(np.abs(r)) + 1e-30))
    return cos, rel


def check_model(onnx_path, tmp_path, feeds=None, fp16=False, min_cos=0.99999, max_rel=1e-3, seed=0):
    """Converts, runs both runtimes, asserts agreement; returns [(cos, rel)] per output."""
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    if feeds is None:
        rng = np.random.default_rng(seed)
        feeds = {}
        for i in sess.get_inputs():
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    names = [o.name for o in sess.get_outputs()]
    refs = run_ort(onnx_path, feeds)
    param, binf = convert(onnx_path, tmp_path / Path(onnx_path).stem, *(["--fp16"] if fp16 else []))
    gots = run_ncnn(param, binf, feeds, names, fp16=fp16)
    res = []
    for n, g, r in zip(names, gots, refs):
        cos, rel = compare(g, r[0] if r.ndim >= 2 else r)
        assert cos >= min_cos and rel <= max_rel, f"{Path(onnx_path).name} output {n}: cosine {cos:.7f}, max rel err {rel:.2e}"
        res.append((cos, rel))
    return res
