"""Builders for the tiny single-op ONNX graphs that the per-op tests (tests/python/ops/) convert and
runs in both onnxruntime and the real ncnn runtime."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64

class Rand:
    """Seeded random initializers: each case makes its own, so a case builds the same
    weights whether it runs alone (-k) or with the whole file."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)

    def __call__(self, *shape: int, scale: float = 1.0, positive: bool = False) -> np.ndarray:
        a = self.rng.standard_normal(shape).astype(np.float32) * np.float32(scale)
        return (np.abs(a) + np.float32(0.5)).astype(np.float32) if positive else a


def i64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def f32(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def node(op: str, inputs: Sequence[str], outputs: Sequence[str], name: str | None = None, **attrs) -> onnx.NodeProto:
    return helper.make_node(op, list(inputs), list(outputs), name=name or f"{op.lower()}_{outputs[0]}", **attrs)


def make_model(
    nodes: Iterable[onnx.NodeProto],
    inputs: dict[str, Sequence[int]],
    outputs: Sequence[str],
    inits: dict[str, np.ndarray] | None = None,
    opset: int = 13,
    check: bool = True,
) -> onnx.ModelProto:
    """A float32 graph: `inputs` name -> shape (batch 1 first), `outputs` of unspecified shape,
    `inits` become initializers (their dtype kept: int64 for shape/axes inputs)."""
    graph = helper.make_graph(
        list(nodes),
        "g",
        [helper.make_tensor_value_info(n, FLOAT, list(s)) for n, s in inputs.items()],
        [helper.make_tensor_value_info(n, FLOAT, None) for n in outputs],
        [numpy_helper.from_array(np.asarray(v), n) for n, v in (inits or {}).items()],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="edgeface-tests")
    m.ir_version = 8 if opset <= 18 else 9
    # The checker wants typed outputs: take their shapes from ONNX's own inference.
    inferred = onnx.shape_inference.infer_shapes(m, data_prop=True)
    known = {v.name: v for v in [*inferred.graph.value_info, *inferred.graph.output]}
    typed = True
    for out in m.graph.output:
        v = known.get(out.name)
        if v is not None and v.type.tensor_type.HasField("shape"):
            out.type.CopyFrom(v.type)
        else:
            typed = False  # e.g. Reshape to a computed shape: ONNX cannot infer it statically
    if check and typed:
        onnx.checker.check_model(m)
    return m


def single(op: str, x_shape: Sequence[int], opset: int = 13, inits: dict[str, np.ndarray] | None = None,
           extra_inputs: Sequence[str] = (), **attrs) -> onnx.ModelProto:
    """One node `op(x, *extra_inputs) -> y`; extra inputs are initializer names (or '' for absent)."""
    return make_model([node(op, ["x", *extra_inputs], ["y"], **attrs)], {"x": x_shape}, ["y"], inits, opset)


def save(model: onnx.ModelProto, folder: Path, name: str) -> Path:
    path = Path(folder) / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def param_layers(param_path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(type, name, {key: value}) for each layer line of an ncnn .param file."""
    lines = Path(param_path).read_text().splitlines()
    assert lines[0].strip() == "7767517", "not an ncnn .param (magic line)"
    out = []
    for line in lines[2:]:
        parts = line.split()
        if not parts:
            continue
        typ, name, nin, nout = parts[0], parts[1], int(parts[2]), int(parts[3])
        kv = dict(p.split("=", 1) for p in parts[4 + nin + nout:])
        out.append((typ, name, kv))
    return out


# The converter is called once for a whole batch of graphs (one Node start instead of one per
# graph: that start-up, not the conversion, is what a CLI call per tiny graph would cost).
_CONVERT_BATCH = r"""
import { convertAndWrite } from %s;
import { readFileSync, writeFileSync } from 'node:fs';
const jobs = JSON.parse(readFileSync(process.argv[1], 'utf8'));
const results = {};
for (const j of jobs) {
  try {
    await convertAndWrite(j.onnx, { param: j.prefix + '.param', bin: j.prefix + '.bin' }, { fp16: j.fp16 });
    results[j.name] = null;
  } catch (e) {
    results[j.name] = `${e.name}: ${e.message}${e.hint ? ' (' + e.hint + ')' : ''}`;
  }
}
writeFileSync(process.argv[2], JSON.stringify(results));
"""


def convert_batch(jobs: list[dict], workdir: Path, root: Path) -> dict[str, str | None]:
    """Converts each job {name, onnx, prefix, fp16} with edgeface's convertAndWrite (from
    dist/); returns name -> None on success or the error text."""
    import json
    import subprocess

    module = (root / "dist" / "src" / "convert" / "convert.js").as_uri()
    jobs_file, results_file = Path(workdir) / "jobs.json", Path(workdir) / "results.json"
    jobs_file.write_text(json.dumps(jobs))
    r = subprocess.run(
        ["node", "--input-type=module", "-e", _CONVERT_BATCH % json.dumps(module), str(jobs_file), str(results_file)],
        capture_output=True, text=True,
    )
    if r.returncode != 0:
        raise RuntimeError(f"batch conversion crashed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return json.loads(results_file.read_text())


_NCNN_WORKER = r"""
import json, sys
import numpy as np
sys.path.insert(0, %s)
from onnx_graphs import run_ncnn
jobs, progress = json.load(open(sys.argv[1])), open(sys.argv[2], "a", buffering=1)
for j in jobs:
    progress.write("start " + j["name"] + "\n")
    try:
        feeds = dict(np.load(j["feeds"]))
        outs = run_ncnn(j["param"], j["bin"], feeds, j["outputs"], fp16=j["fp16"])
        np.savez(j["result"], *outs)
        progress.write("done " + j["name"] + "\n")
    except Exception as e:  # a refused load, a failed extract: reported per job
        progress.write("error " + j["name"] + " " + json.dumps(str(e)) + "\n")
"""


def run_ncnn_batch(jobs: list[dict], workdir: Path) -> dict[str, str | None]:
    """Runs each job {name, param, bin, feeds (.npz), outputs, fp16, result (.npz)} in a
    worker process, so a model that crashes ncnn (segfault, abort) fails its own test
    instead of killing pytest; the worker is restarted after the job it died on.
    Returns name -> None (outputs saved to `result`) or the error."""
    import json
    import subprocess
    import sys

    status: dict[str, str | None] = {}
    pending = list(jobs)
    rounds = 0
    while pending:
        rounds += 1
        jobs_file, progress_file = Path(workdir) / f"ncnn_jobs{rounds}.json", Path(workdir) / f"ncnn_progress{rounds}.txt"
        jobs_file.write_text(json.dumps(pending))
        progress_file.write_text("")
        r = subprocess.run([sys.executable, "-c", _NCNN_WORKER % json.dumps(str(Path(__file__).parent)), str(jobs_file), str(progress_file)],
                           capture_output=True, text=True)
        started = None
        for line in progress_file.read_text().splitlines():
            kind, name, *rest = line.split(" ", 2)
            if kind == "start":
                started = name
            else:
                status[name] = None if kind == "done" else json.loads(rest[0])
                started = None
        if started is not None:
            status[started] = f"ncnn crashed (exit {r.returncode}): {r.stderr.strip()[-300:]}"
        elif r.returncode != 0 and not any(j["name"] in status for j in pending):
            raise RuntimeError(f"ncnn worker failed ({r.returncode}):\n{r.stderr}")
        pending = [j for j in pending if j["name"] not in status]
    return status


def run_ncnn(param: Path, binf: Path, feeds: dict[str, np.ndarray], outputs: Sequence[str], fp16: bool = False) -> list[np.ndarray]:
    """Real ncnn, one sample, one thread (the shared runner in ncnn_check)."""
    from ncnn_check import run_ncnn as run

    return run(param, binf, feeds, list(outputs), fp16=fp16, threads=1)
