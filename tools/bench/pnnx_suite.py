"""The peer suite: ncnn's own pnnx test models (tools/pnnx/tests/ncnn/test_*.py of the ncnn
source tree, one small torch model per op or module), each captured, batch-wrapped (every
input gets a leading batch axis of 1 that the model squeezes away, every output gets it
back), exported to ONNX (classic exporter), then converted by edgeface AND by pnnx from the
same ONNX file, run in the real ncnn runtime and compared with PyTorch (rtol = atol = 1e-3).
Prints passed / failed / not exportable for both, side by side, and one line per model.

    python tools/bench/pnnx_suite.py [--src .cache/ncnn-src] [--only NAME,...] [--opset 17]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "src" / "cli.js"
PNNX = Path(sys.executable).parent / "pnnx"
RUN_NCNN = r"""
import sys, json, numpy as np, ncnn
param, binf, feeds, outs, result = sys.argv[1:6]
net = ncnn.Net(); net.opt.use_vulkan_compute = False; net.opt.num_threads = 1
for k in ("use_fp16_packed", "use_fp16_storage", "use_fp16_arithmetic", "use_bf16_storage"):
    setattr(net.opt, k, False)  # FP32 throughout: the comparison is with float32 PyTorch
assert net.load_param(param) == 0, "cannot load .param"
assert net.load_model(binf) == 0, "cannot load .bin"
ex = net.create_extractor()
f = dict(np.load(feeds))
kept = []  # the arrays and Mats stay referenced until the end of the run
for k, v in f.items():
    a = np.ascontiguousarray(v[0], dtype=np.float32)
    m = ncnn.Mat(a).clone()
    kept.append((a, m))
    assert ex.input(k, m) == 0, "no input " + k
got = {}
for o in json.loads(outs):
    r, m = ex.extract(o)
    assert r == 0, "cannot extract " + o
    got[o] = np.array(m).copy()
np.savez(result, **got)
"""


class Captured(Exception):
    def __init__(self, net, inputs):
        self.net, self.inputs = net, inputs


def capture(path: Path):
    """Runs the test file's test() until it traces: returns (model, inputs) or None."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    real_trace = torch.jit.trace

    def fake_trace(net, inputs, *a, **k):
        raise Captured(net, inputs if isinstance(inputs, tuple) else (inputs,))

    torch.jit.trace = fake_trace
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.loader.exec_module(mod)
            mod.test()
    except Captured as c:
        return c.net, c.inputs
    finally:
        torch.jit.trace = real_trace
    return None


class BatchWrap(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, *xs):
        ys = self.net(*[x.squeeze(0) for x in xs])
        ys = ys if isinstance(ys, (tuple, list)) else (ys,)
        return tuple(y.unsqueeze(0) for y in ys)


def run_ncnn(param: Path, binf: Path, feeds: Path, outs: list[str], work: Path) -> list[np.ndarray] | str:
    res = work / "ncnn_out.npz"
    r = subprocess.run([sys.executable, "-c", RUN_NCNN, str(param), str(binf), str(feeds), json.dumps(outs), str(res)],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        return (r.stderr.strip().splitlines() or ["ncnn crashed"])[-1][:200]
    got = np.load(res)
    return [got[o] for o in outs]


def matches(got: list[np.ndarray], ref: list[np.ndarray]) -> str | None:
    for k, (g, r) in enumerate(zip(got, ref)):
        if g.size != r.size:
            return f"output {k}: {g.shape} vs torch {r.shape}"
        if not np.allclose(g.ravel(), r.ravel().astype(np.float32), rtol=1e-3, atol=1e-3):
            return f"output {k}: max diff {np.max(np.abs(g.ravel() - r.ravel())):.3g}"
    return None


def one(path: Path, work: Path, opset: int) -> dict:
    name = path.stem
    try:
        cap = capture(path)
    except Exception as e:  # the test file itself fails on this torch
        return {"model": name, "status": "skipped", "why": f"test() fails here: {type(e).__name__}: {str(e)[:120]}"}
    if cap is None:
        return {"model": name, "status": "skipped", "why": "test() does not trace on this torch version"}
    net, inputs = cap
    wrapped = BatchWrap(net).eval()
    xs = tuple(x.unsqueeze(0) for x in inputs)
    onnx_path = work / f"{name}.onnx"
    ins = [f"in{i}" for i in range(len(xs))]
    try:
        with torch.no_grad():
            ref = [y.detach().numpy() for y in wrapped(*xs)]
        outs = [f"out{i}" for i in range(len(ref))]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapped, xs, str(onnx_path), opset_version=opset, dynamo=False, input_names=ins, output_names=outs)
    except Exception as e:
        return {"model": name, "status": "not exportable", "why": f"{type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ''}"}
    feeds = work / f"{name}.feeds.npz"
    np.savez(feeds, **{k: x.numpy().astype(np.float32) for k, x in zip(ins, xs)})
    row = {"model": name, "status": "exported"}
    # edgeface
    r = subprocess.run(["node", str(CLI), "convert", str(onnx_path), "-o", str(work / f"{name}.ef")], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        row["edgeface"] = "refused: " + (r.stderr.strip().splitlines() or ["?"])[0][:200]
    else:
        got = run_ncnn(work / f"{name}.ef.param", work / f"{name}.ef.bin", feeds, outs, work)
        row["edgeface"] = ("ncnn: " + got) if isinstance(got, str) else (matches(got, ref) or "pass")
    # pnnx on the same ONNX file (it writes next to its input: give it a copy)
    pdir = work / "pnnx"
    shutil.rmtree(pdir, ignore_errors=True)
    pdir.mkdir()
    shutil.copy(onnx_path, pdir / "m.onnx")
    shapes = ",".join("[" + ",".join(map(str, x.shape)) + "]" for x in xs)
    try:
        r = subprocess.run([str(PNNX), "m.onnx", f"inputshape={shapes}"], cwd=pdir, capture_output=True, text=True, timeout=300)
        ok = (pdir / "m.ncnn.param").exists()
    except subprocess.TimeoutExpired:
        ok = False
    if not ok:
        row["pnnx"] = "refused: no ncnn model written"
    else:
        got = run_ncnn(pdir / "m.ncnn.param", pdir / "m.ncnn.bin", feeds, outs, work)
        row["pnnx"] = ("ncnn: " + got) if isinstance(got, str) else (matches(got, ref) or "pass")
    return row


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--src", type=Path, default=ROOT / ".cache" / "ncnn-src", help="ncnn source tree (tools/ncnn_build/fetch-source.sh)")
    p.add_argument("--only", help="comma list of model names (test_F_softmax,...)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--json", type=Path, help="also write every row here")
    a = p.parse_args()
    tests = sorted((a.src / "tools/pnnx/tests/ncnn").glob("test_*.py"))
    if not tests:
        print(f"pnnx_suite: no tools/pnnx/tests/ncnn/test_*.py under {a.src} (run tools/ncnn_build/fetch-source.sh)", file=sys.stderr)
        return 1
    if a.only:
        keep = set(a.only.split(","))
        tests = [t for t in tests if t.stem in keep]
    if not CLI.exists():
        print("pnnx_suite: dist/ not built (npm run build)", file=sys.stderr)
        return 1
    torch.set_num_threads(1)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pnnx-suite-") as tmp:
        for t in tests:
            work = Path(tmp) / t.stem
            work.mkdir()
            row = one(t, work, a.opset)
            rows.append(row)
            shutil.rmtree(work, ignore_errors=True)
            print(f"{row['model']:42s} {row['status']:15s} edgeface: {row.get('edgeface', row.get('why', '')):60.60s} pnnx: {row.get('pnnx', '')[:60]}", flush=True)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    exported = [r for r in rows if r["status"] == "exported"]
    noexp = sum(r["status"] == "not exportable" for r in rows)
    skipped = sum(r["status"] == "skipped" for r in rows)
    print(f"\n{len(rows)} test files: {len(exported)} exported to ONNX, {noexp} not exportable, {skipped} not traced by this torch")
    for tool in ("edgeface", "pnnx"):
        passed = sum(r[tool] == "pass" for r in exported)
        refused = sum(r[tool].startswith("refused") for r in exported)
        print(f"{tool:9s} passed {passed:4d}   failed {len(exported) - passed - refused:4d}   refused {refused:4d}   not exportable {noexp:4d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
