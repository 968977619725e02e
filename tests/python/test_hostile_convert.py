"""Hostile and careless ONNX input (issue 16): each case either converts to a model the real
ncnn runtime runs like onnxruntime, or fails with one line naming the file or node at
fault, exit 1, no stack trace, no output, in bounded memory."""
from __future__ import annotations

import subprocess
import tempfile
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ncnn_check import CLI, check_model

# Peak RSS allowed to a convert of a model of a few KB (the documented bound is 2 GB plus
# the model size; these tiny models must stay far below it).
RSS_LIMIT_KB = 1_000_000


def conv_model(inp=(1, 3, 8, 8), wshape=(4, 3, 3, 3), opset=13, extra_nodes=(), extra_inits=(), outputs=("y",), **attrs):
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal(wshape).astype(np.float32), "W")
    nodes = [helper.make_node("Conv", ["x", "W"], ["y"], name="conv0", **attrs), *extra_nodes]
    g = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(inp))],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        initializer=[w, *extra_inits],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def i64(name, values):
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def peak_rss_kb(pid: int) -> int:
    """VmHWM of a live process (its peak RSS so far), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_cli(*args):
    """Runs the CLI; returns (exit code, stderr, peak RSS in KB, polled every 10 ms)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(["node", str(CLI), *args], stdout=out, stderr=err, text=True)
        peak = 0
        deadline = time.monotonic() + 120
        while p.poll() is None and time.monotonic() < deadline:
            peak = max(peak, peak_rss_kb(p.pid))
            time.sleep(0.01)
        if p.poll() is None:
            p.kill()
        p.wait()
        err.seek(0)
        return p.returncode, err.read(), peak


def refused(tmp_path, model, *must_name):
    p = tmp_path / "m.onnx"
    if isinstance(model, bytes):
        p.write_bytes(model)
    else:
        p.write_bytes(model.SerializeToString())
    code, err, rss = run_cli("convert", str(p), "-o", str(tmp_path / "out"))
    assert code == 1, (code, err)
    assert err.startswith("edgeface: error: ") and "    at " not in err and "internal error" not in err, err
    assert len(err.strip().splitlines()) <= 2, err  # the error, and at most a hint
    for s in must_name:
        assert s in err, f"{s!r} not in {err!r}"
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(("out", ".out"))], "output or temp file left behind"
    assert rss < RSS_LIMIT_KB, f"peak RSS {rss} KB"
    return err


# -- 1. memory bounded by declared sizes ------------------------------------------------

@pytest.mark.parametrize("dead", [
    (helper.make_node("ConstantOfShape", ["s"], ["dead"], name="cos"), [i64("s", [10000, 10000])]),
    (helper.make_node("Expand", ["one", "s"], ["dead"], name="exp"),
     [i64("s", [30000, 30000]), numpy_helper.from_array(np.ones(1, np.float32), "one")]),
    (helper.make_node("Range", ["a", "b", "c"], ["dead"], name="rng"), [i64("a", 0), i64("b", 10**9), i64("c", 1)]),
], ids=["constantofshape", "expand", "range"])
def test_dead_huge_constants_are_never_folded(tmp_path, dead):
    node, inits = dead
    p = tmp_path / "m.onnx"
    onnx.save(conv_model(extra_nodes=[node], extra_inits=inits), p)
    code, err, rss = run_cli("convert", str(p), "-o", str(tmp_path / "dead"))
    assert code == 0, err
    assert rss < RSS_LIMIT_KB, f"peak RSS {rss} KB"
    # the same model as without the dead node (onnxruntime would materialise it)
    plain = tmp_path / "plain.onnx"
    onnx.save(conv_model(), plain)
    check_model(plain, tmp_path)
    assert (tmp_path / "dead.param").read_text() == (tmp_path / "plain.param").read_text()
    assert (tmp_path / "dead.bin").read_bytes() == (tmp_path / "plain.bin").read_bytes()


def test_live_huge_constant_is_refused_naming_its_node(tmp_path):
    # y = conv(x) + ConstantOfShape([1, 4, 6, 10**8]): a 20-byte shape asking for 2.4e9 elements
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["big"], name="huge_cos"), helper.make_node("Add", ["y", "big"], ["z"], name="add")]
    m = conv_model(extra_nodes=nodes, extra_inits=[i64("s", [1, 4, 6, 10**8])], outputs=("z",))
    refused(tmp_path, m, "huge_cos", "ConstantOfShape", "refused")


def test_live_huge_range_is_refused(tmp_path):
    nodes = [helper.make_node("Range", ["a", "b", "c"], ["r"], name="big_range"), helper.make_node("Cast", ["r"], ["rf"], to=1, name="cast"),
             helper.make_node("Add", ["y", "rf"], ["z"], name="add")]
    m = conv_model(extra_nodes=nodes, extra_inits=[i64("a", 0), i64("b", 10**9), i64("c", 1)], outputs=("z",))
    refused(tmp_path, m, "big_range", "refused")


# -- 2. no internal error for bad input --------------------------------------------------

@pytest.mark.parametrize("dim0,shown", [(5, "[5,3,3,3]"), (3, "[3,3,3,3]"), (-128, "[-128,3,3,3]")], ids=["short", "long", "negative"])
def test_initializer_data_disagreeing_with_dims(tmp_path, dim0, shown):
    m = conv_model()
    m.graph.initializer[0].dims[0] = dim0
    refused(tmp_path, m, "'W'", shown)


@pytest.mark.parametrize("offset", ["1.5", "-4", "abc", "1e3"])
def test_external_data_offset_not_an_integer(tmp_path, offset):
    m = conv_model()
    t = m.graph.initializer[0]
    raw = numpy_helper.to_array(t).tobytes()
    (tmp_path / "w.data").write_bytes(b"\0" * 8 + raw)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "w.data"), ("offset", offset), ("length", str(len(raw)))):
        e = t.external_data.add()
        e.key, e.value = k, v
    refused(tmp_path, m, "'W'", offset)


# -- 3. never exit 0 with a model ncnn cannot run or that computes something else -----------

def test_no_outputs(tmp_path):
    m = conv_model()
    del m.graph.output[:]
    refused(tmp_path, m, "no outputs")


def test_output_nothing_produces(tmp_path):
    m = conv_model()
    m.graph.output[0].name = "nowhere"
    refused(tmp_path, m, "'nowhere'")


def test_output_is_a_constant(tmp_path):
    m = conv_model(extra_nodes=[helper.make_node("Shape", ["y"], ["s"], name="shape")], outputs=("y", "s"))
    refused(tmp_path, m, "'s'", "constant")


@pytest.mark.parametrize("attrs,wshape,inp,named", [
    ({"group": 2}, (4, 1, 3, 3), (1, 3, 8, 8), "group=2"),
    ({"group": 2**62}, (4, 3, 3, 3), (1, 3, 8, 8), "group="),
    ({"group": 0}, (4, 3, 3, 3), (1, 3, 8, 8), "group=0"),
    ({}, (4, 3, 3, 3), (1, 4, 8, 8), "input channels"),
    ({"kernel_shape": [5, 5]}, (4, 3, 3, 3), (1, 3, 8, 8), "kernel_shape=[5,5]"),
    ({"pads": [-1, -1, -1, -1]}, (4, 3, 3, 3), (1, 3, 8, 8), "pads=[-1,-1,-1,-1]"),
    ({"pads": [1, 1]}, (4, 3, 3, 3), (1, 3, 8, 8), "pads=[1,1]"),
    ({"dilations": [0, 0]}, (4, 3, 3, 3), (1, 3, 8, 8), "dilations=[0,0]"),
    ({"strides": [0, 0]}, (4, 3, 3, 3), (1, 3, 8, 8), "strides=[0,0]"),
    ({"auto_pad": "SOMETIMES"}, (4, 3, 3, 3), (1, 3, 8, 8), "auto_pad"),
    ({}, (4, 3, 9, 9), (1, 3, 8, 8), "does not fit"),
], ids=["group-not-dividing", "group-2-62", "group-0", "input-channels", "kernel-shape", "negative-pads",
        "short-pads", "dilation-0", "stride-0", "auto-pad", "kernel-over-input"])
def test_bad_conv_is_refused_at_the_conv(tmp_path, attrs, wshape, inp, named):
    # a Relu and a Reshape follow, so a wrong blame would name them instead
    tail = [helper.make_node("Relu", ["y"], ["r"], name="after_relu"),
            helper.make_node("Reshape", ["r", "shape"], ["z"], name="after_reshape")]
    m = conv_model(inp=inp, wshape=wshape, extra_nodes=tail, extra_inits=[i64("shape", [1, -1])], outputs=("z",), **attrs)
    err = refused(tmp_path, m, "conv0", named)
    assert "after_" not in err


def test_bad_pool_attributes(tmp_path):
    tail = [helper.make_node("MaxPool", ["y"], ["z"], name="pool0", kernel_shape=[2, 2], strides=[0, 2])]
    refused(tmp_path, conv_model(extra_nodes=tail, outputs=("z",)), "pool0", "strides=[0,2]")


@pytest.mark.parametrize("opset", [1, 99])
def test_opset_outside_supported_range(tmp_path, opset):
    refused(tmp_path, conv_model(opset=opset), f"opset {opset}", "supported range")


def test_negative_batchnorm_variance(tmp_path):
    c = 4
    bn = helper.make_node("BatchNormalization", ["y", "s", "b", "m", "v"], ["z"], name="bn0")
    inits = [numpy_helper.from_array(a.astype(np.float32), n) for n, a in
             (("s", np.ones(c)), ("b", np.zeros(c)), ("m", np.zeros(c)), ("v", np.array([1, 1, -2, 1])))]
    refused(tmp_path, conv_model(extra_nodes=[bn], extra_inits=inits, outputs=("z",)), "bn0", "channel 2")


def test_value_produced_twice(tmp_path):
    m = conv_model(extra_nodes=[helper.make_node("Relu", ["x"], ["y"], name="second")])
    refused(tmp_path, m, "second", "'y'")


def _name_graph(a: str, b: str):
    """Two distinct values whose names may collide once made ncnn-safe."""
    w = numpy_helper.from_array(np.random.default_rng(1).standard_normal((3, 3, 1, 1)).astype(np.float32), "W")
    nodes = [helper.make_node("Conv", ["x", "W"], [a], name="c1"), helper.make_node("Relu", [a], [b], name="r1"),
             helper.make_node("Add", [a, b], ["y"], name="add")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


@pytest.mark.parametrize("a,b", [("x 0", "x_0"), ("a\0b", "a_b"), ("a\0b", "a"), ("t\tab", "t_ab")], ids=["space", "nul", "nul-prefix", "tab"])
def test_names_colliding_after_sanitising_stay_distinct(tmp_path, a, b):
    p = tmp_path / "names.onnx"
    onnx.save(_name_graph(a, b), p)
    check_model(p, tmp_path)  # loads in ncnn and matches onnxruntime


# -- 5. never overwrite the input; failing outputs are one line, with no temp file left -----

def test_output_equal_to_input_is_refused(tmp_path):
    p = tmp_path / "m.bin"  # an ONNX model under a .bin name: `convert m.bin -o m` would replace it
    p.write_bytes(conv_model().SerializeToString())
    before = p.read_bytes()
    code, err, _ = run_cli("convert", str(p), "-o", str(tmp_path / "m"))
    assert code == 1 and "overwrite the input" in err and "--force" in err, err
    assert p.read_bytes() == before
    link = tmp_path / "link.bin"
    link.symlink_to(p)
    code, err, _ = run_cli("convert", str(p), "-o", str(tmp_path / "link"))
    assert code == 1 and "overwrite the input" in err, err
    assert p.read_bytes() == before


def test_output_folder_missing(tmp_path):
    p = tmp_path / "m.onnx"
    onnx.save(conv_model(), p)
    code, err, _ = run_cli("convert", str(p), "-o", str(tmp_path / "nowhere" / "out"))
    assert code == 1 and "folder does not exist" in err and "internal error" not in err, err
    assert sorted(f.name for f in tmp_path.iterdir()) == ["m.onnx"]


def test_full_disk(tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(full)], capture_output=True).returncode != 0:
        pytest.skip("needs a small tmpfs (root)")
    try:
        w = numpy_helper.from_array(np.ones((64, 3, 3, 3), np.float32), "W")  # 7 KB of weights
        m = conv_model(wshape=(64, 3, 3, 3))
        m.graph.initializer[0].CopyFrom(w)
        p = tmp_path / "m.onnx"
        onnx.save(m, p)
        code, err, _ = run_cli("convert", str(p), "-o", str(full / "out"))
        assert code == 1 and "disk is full" in err and "internal error" not in err, err
        assert list(full.iterdir()) == [], "temp files left on the full disk"
    finally:
        subprocess.run(["umount", str(full)])
