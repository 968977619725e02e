"""The harness of the per-op tests: one small ONNX graph per mapped op (and per signature
variant across opsets), converted by edgeface, run in the real ncnn runtime and compared
with onnxruntime. Cases ncnn cannot express must be refused through the CLI with a clear
error and no output files.

Each `test_<family>.py` beside this file mirrors one module of src/ops: it registers its
cases (builders returning a `Case`) with a `Family` and exposes `Family.test_op()` and
`Family.test_refused()`. Every case of every collected family is converted in one Node
process and run in one ncnn worker process (conftest.py, restarted if a bad model crashes
it), so the whole folder takes about 20-30 s on two cores; the refusals go through the CLI
itself."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import pytest

from ncnn_check import compare, edgeface, run_ort
from onnx_graphs import Rand, i64, make_model, node, param_layers, save

X4 = [1, 4, 6, 6]


@dataclass
class Case:
    model: onnx.ModelProto
    feeds: dict[str, np.ndarray] | None = None
    fp16: bool = False
    #: ncnn layer types that must appear in the .param (e.g. a fusion happened)
    has: tuple[str, ...] = ()
    #: ncnn layer types that must not appear (e.g. folded away)
    lacks: tuple[str, ...] = ()
    #: extra check on the parsed .param layers
    param_check: Callable[[list[tuple[str, str, dict[str, str]]]], None] | None = None
    min_cos: float = 0.99999
    max_rel: float = 1e-3


#: every case of every imported family, by its (unique) name
CASES: dict[str, Callable[[], Case]] = {}
#: name -> builder of (model, substring the error message must contain)
REFUSED: dict[str, Callable[[], tuple[onnx.ModelProto, str]]] = {}


class Family:
    """The cases of one op family; names are unique across all families."""

    def __init__(self) -> None:
        self.cases: list[str] = []
        self.refusals: list[str] = []

    def case(self, name: str):
        def reg(f):
            assert name not in CASES, name
            CASES[name] = f
            self.cases.append(name)
            return f
        return reg

    def refused(self, name: str):
        def reg(f):
            assert name not in REFUSED, name
            REFUSED[name] = f
            self.refusals.append(name)
            return f
        return reg

    def test_op(self):
        @pytest.mark.parametrize("name", sorted(self.cases))
        def test_op(name: str, converted_ops):
            check_case(name, converted_ops)
        return test_op

    def test_refused(self):
        @pytest.mark.parametrize("name", sorted(self.refusals))
        def test_refused(name: str, tmp_path: Path):
            """Through the CLI: exit 1, an error naming the problem, no stack trace, no files."""
            check_refused(name, tmp_path)
        return test_refused


def check_case(name: str, converted_ops: tuple[Path, dict[str, str | None], dict[str, str | None]]) -> None:
    d, conversion, ncnn_runs = converted_ops
    assert conversion[name] is None, f"conversion failed: {conversion[name]}"
    assert ncnn_runs[name] is None, f"ncnn run failed: {ncnn_runs[name]}"
    c = CASES[name]()
    onnx_path, param = d / f"{name}.onnx", d / f"{name}.param"
    feeds = dict(np.load(d / f"{name}.feeds.npz"))
    gots = list(np.load(d / f"{name}.ncnn.npz").values())
    names = [o.name for o in c.model.graph.output]
    refs = run_ort(onnx_path, feeds)
    for n, got, ref in zip(names, gots, refs):
        # ncnn blobs have no batch axis: drop a leading 1; otherwise (the batch moved) compare flat.
        ref1 = ref[0] if ref.ndim >= 2 and ref.shape[0] == 1 else ref
        assert got.size == ref1.size, f"output {n}: ncnn shape {got.shape} vs onnxruntime {ref.shape}"
        cos, rel = compare(got, ref1)
        assert cos >= c.min_cos and rel <= c.max_rel, f"output {n}: cosine {cos:.7f}, max rel err {rel:.2e}"
    layers = param_layers(param)
    types = {t for t, _, _ in layers}
    for t in c.has:
        assert t in types, f"expected a {t} layer in {sorted(types)}"
    for t in c.lacks:
        assert t not in types, f"{t} layer should have been folded away: {sorted(types)}"
    if c.param_check:
        c.param_check(layers)


def check_refused(name: str, tmp_path: Path) -> None:
    model, must_say = REFUSED[name]()
    path = save(model, tmp_path, name)
    r = edgeface("convert", str(path), "-o", str(tmp_path / "out"), check=False)
    msg = r.stdout + r.stderr
    assert r.returncode == 1, f"expected a refusal (exit 1), got {r.returncode}:\n{msg}"
    assert must_say.lower() in msg.lower(), f"error does not mention '{must_say}':\n{msg}"
    assert "    at " not in msg, f"stack trace printed:\n{msg}"
    assert not list(tmp_path.glob("out*")), "files written despite the error"


def default_feeds(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    init = {t.name for t in model.graph.initializer}
    return {i.name: rng.standard_normal([d.dim_value or 1 for d in i.type.tensor_type.shape.dim]).astype(np.float32)
            for i in model.graph.input if i.name not in init}


def feeds_of(**arrays: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}


def positive(shape, seed=7) -> np.ndarray:
    """Inputs kept away from zero (denominators)."""
    return (np.abs(np.random.default_rng(seed).standard_normal(shape)) + 0.5).astype(np.float32)


# --------------------------------------------------------------------------- graphs used by several families

def bn_inits(c: int, prefix="bn", seed=3) -> dict[str, np.ndarray]:
    r = Rand(seed)
    return {f"{prefix}_s": r(c), f"{prefix}_b": r(c), f"{prefix}_m": r(c), f"{prefix}_v": r(c, positive=True)}


def bn_node(x: str, y: str, prefix="bn", eps=1e-3) -> onnx.NodeProto:
    return node("BatchNormalization", [x, f"{prefix}_s", f"{prefix}_b", f"{prefix}_m", f"{prefix}_v"], [y], epsilon=eps)


def view_chain(opset: int) -> Case:
    """x.view(x.size(0), -1) as the classic exporter writes it, then a Linear."""
    axes = {"axes": [0]} if opset < 13 else {}
    uins = ["g"] if opset < 13 else ["g", "ax0"]
    inits = {"idx": np.array(0, np.int64), "minus1": i64(-1), "W": Rand(23)(5, 144)}
    if opset >= 13:
        inits["ax0"] = i64(0)
    m = make_model(
        [
            node("Shape", ["x"], ["s"]),
            node("Gather", ["s", "idx"], ["g"], axis=0),
            node("Unsqueeze", uins, ["u"], **axes),
            node("Concat", ["u", "minus1"], ["shape"], axis=0),
            node("Reshape", ["x", "shape"], ["f"]),
            node("Gemm", ["f", "W"], ["y"], transB=1),
        ],
        {"x": X4}, ["y"], inits, opset,
    )
    return Case(m, lacks=("Reshape", "Crop", "Concat"))
