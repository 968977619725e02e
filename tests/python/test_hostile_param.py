"""Hostile and careless ncnn .param/.bin input (issue 16): `inspect` (which reads both and
runs the real ncnn runtime) names the .param line at fault, exits 1 without a stack trace,
and stays in bounded memory whatever the files declare."""
from __future__ import annotations

import re

import onnx
import pytest

from ncnn_check import convert
from test_hostile_convert import RSS_LIMIT_KB, conv_model, run_cli


@pytest.fixture
def model(tmp_path):
    """A valid Conv model converted by edgeface: (param path, bin path, param lines)."""
    p = tmp_path / "src.onnx"
    onnx.save(conv_model(), p)
    param, binf = convert(p, tmp_path / "m")
    return param, binf, param.read_text().splitlines()


def inspect_fails(param, *must_name):
    code, err, rss = run_cli("inspect", str(param))
    assert code == 1, (code, err)
    assert err.startswith("edgeface: error: ") and "    at " not in err and "internal error" not in err, err
    for s in must_name:
        assert s in err, f"{s!r} not in {err!r}"
    assert rss < RSS_LIMIT_KB, f"peak RSS {rss} KB"
    return err


def edit(lines, layer_type, pattern, repl):
    out = []
    for line in lines:
        if line.startswith(layer_type + " "):
            line = re.sub(pattern, repl, line)
        out.append(line)
    return "\n".join(out) + "\n"


def conv_line(lines) -> int:
    return next(i for i, l in enumerate(lines) if l.startswith("Convolution ")) + 1


def test_valid_model_inspects(model):
    param, _, _ = model
    code, err, _ = run_cli("inspect", str(param))
    assert code == 0, err


@pytest.mark.parametrize("value", ["-5", "0", "2.5", "107"], ids=["negative", "zero", "fractional", "not-dividing"])
def test_bad_weight_count_blames_its_line(model, value):
    param, _, lines = model
    param.write_text(edit(lines, "Convolution", r" 6=\d+", f" 6={value}"))
    inspect_fails(param, f"{param}:{conv_line(lines)}", "conv0")


def test_negative_output_count(model):
    param, _, lines = model
    param.write_text(edit(lines, "Convolution", r" 0=\d+", " 0=-4"))
    inspect_fails(param, f"{param}:{conv_line(lines)}")


def test_duplicate_layer_names(model):
    param, _, lines = model
    param.write_text(edit(lines, "Convolution", r"^Convolution(\s+)conv0", r"Convolution\1x"))
    inspect_fails(param, f"{param}:{conv_line(lines)}", "'x'", "twice")


def test_blob_read_before_it_is_produced(model):
    param, _, lines = model
    param.write_text(edit(lines, "Convolution", r" 1 1 x ", " 1 1 nowhere "))
    inspect_fails(param, f"{param}:{conv_line(lines)}", "'nowhere'")


def test_huge_declared_input_is_refused_before_running(model):
    param, _, lines = model
    param.write_text(edit(lines, "Input", r"0=8 1=8 2=3", "0=20000 1=20000 2=3"))
    inspect_fails(param, "Input", "1200000000")


def test_bin_far_larger_than_declared_is_not_read_whole(model):
    param, binf, _ = model
    with open(binf, "r+b") as f:
        f.truncate(3 * 1024**3)  # sparse: 3 GB declared, nothing on disk
    inspect_fails(param, str(binf), "bytes left")


def test_bin_shorter_than_declared(model):
    param, binf, _ = model
    binf.write_bytes(binf.read_bytes()[:50])
    inspect_fails(param, str(binf), "ends early")


def test_bad_param_value(model):
    param, _, lines = model
    param.write_text(edit(lines, "Convolution", r" 5=\d", " 5=abc"))
    inspect_fails(param, f"{param}:{conv_line(lines)}", "abc")


def test_inspect_output_through_a_pipe_is_complete(tmp_path):
    """A long table written to a pipe must not be cut short by the exit (it was at 64 KB)."""
    import subprocess
    from onnx import TensorProto, helper
    from ncnn_check import CLI
    n = 5000
    nodes = [helper.make_node("Relu", ["x" if i == 0 else f"t{i}"], [f"t{i + 1}" if i < n - 1 else "y"], name=f"r{i}") for i in range(n)]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    p = tmp_path / "chain.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), p)
    r = subprocess.run(f"node {CLI} inspect {p} | cat", shell=True, capture_output=True, text=True)
    assert r.stdout.count("\nReLU ") == n, r.stderr[-500:]
