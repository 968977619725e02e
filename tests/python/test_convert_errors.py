"""Malformed inputs give one clear error naming the file/node, exit 1, no stack trace,
and leave no output files behind."""
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ncnn_check import check_model, edgeface


def tiny_conv_model(with_weight=True, op="Conv"):
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32), "W")
    node = helper.make_node(op, ["data", "W"], ["out"], name="conv0", pads=[1, 1, 1, 1]) if op == "Conv" else helper.make_node(op, ["data", "W"], ["out"], name="weird0")
    g = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
        initializer=[w] if with_weight else [],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=10)


def run_fail(tmp_path, model_path):
    prefix = tmp_path / "out"
    r = edgeface("convert", str(model_path), "-o", str(prefix), check=False)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith("edgeface: error: "), r.stderr
    assert "    at " not in r.stderr, "stack trace leaked:\n" + r.stderr
    assert not (tmp_path / "out.param").exists() and not (tmp_path / "out.bin").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")], "temp files left behind"
    return r.stderr


def test_good_model_converts(tmp_path):
    p = tmp_path / "ok.onnx"
    onnx.save(tiny_conv_model(), p)
    check_model(p, tmp_path)


def test_truncated_file(tmp_path):
    p = tmp_path / "trunc.onnx"
    onnx.save(tiny_conv_model(), p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    err = run_fail(tmp_path, p)
    assert str(p) in err and "ONNX" in err


def test_not_protobuf(tmp_path):
    p = tmp_path / "text.onnx"
    p.write_text("this is not a model\n" * 10)
    err = run_fail(tmp_path, p)
    assert str(p) in err


def test_missing_file(tmp_path):
    err = run_fail(tmp_path, tmp_path / "nope.onnx")
    assert "nope.onnx" in err and "cannot read" in err


def test_missing_initializer(tmp_path):
    p = tmp_path / "noinit.onnx"
    onnx.save(tiny_conv_model(with_weight=False), p, )
    err = run_fail(tmp_path, p)
    assert "conv0" in err and "'W'" in err


def test_unknown_op(tmp_path):
    p = tmp_path / "unknown.onnx"
    onnx.save(tiny_conv_model(op="FancyAttention"), p)
    err = run_fail(tmp_path, p)
    assert "weird0" in err and "FancyAttention" in err and "not supported" in err
    assert "hint:" in err


def _external_model(tmp_path, location):
    m = tiny_conv_model()
    t = m.graph.initializer[0]
    raw = numpy_helper.to_array(t).tobytes()
    t.ClearField("raw_data")
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(len(raw)))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return m, raw


def test_external_data_escaping_folder(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"\0" * 512)
    m, _ = _external_model(tmp_path, "../secret.bin")
    p = d / "escape.onnx"
    p.write_bytes(m.SerializeToString())
    err = run_fail(tmp_path, p)
    assert "outside the model's folder" in err and "../secret.bin" in err


def test_external_data_absolute_path(tmp_path):
    m, _ = _external_model(tmp_path, "/etc/passwd")
    p = tmp_path / "abs.onnx"
    p.write_bytes(m.SerializeToString())
    assert "outside the model's folder" in run_fail(tmp_path, p)


def test_external_data_missing_file(tmp_path):
    m, _ = _external_model(tmp_path, "weights.data")
    p = tmp_path / "missing.onnx"
    p.write_bytes(m.SerializeToString())
    err = run_fail(tmp_path, p)
    assert "weights.data" in err and "cannot be read" in err


def test_external_data_ok(tmp_path):
    m, raw = _external_model(tmp_path, "weights.data")
    (tmp_path / "weights.data").write_bytes(raw)
    p = tmp_path / "ext.onnx"
    p.write_bytes(m.SerializeToString())
    check_model(p, tmp_path)


def test_output_is_deterministic(tmp_path):
    p = tmp_path / "det.onnx"
    onnx.save(tiny_conv_model(), p)
    edgeface("convert", str(p), "-o", str(tmp_path / "a"))
    edgeface("convert", str(p), "-o", str(tmp_path / "b"))
    assert (tmp_path / "a.param").read_bytes() == (tmp_path / "b.param").read_bytes()
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


def test_names_with_spaces_are_made_ncnn_safe(tmp_path):
    """ncnn reads names with %255s: a space in an ONNX name must not break the .param."""
    import json
    m = tiny_conv_model()
    m.graph.node[0].output[0] = "conv out"
    m.graph.output[0].name = "conv out"
    p = tmp_path / "spaces.onnx"
    onnx.save(m, p)
    edgeface("convert", str(p), "-o", str(tmp_path / "sp"))
    side = json.loads((tmp_path / "sp.param.json").read_text())
    assert side["outputs"] == ["conv_out"]
    from ncnn_check import compare, run_ncnn, run_ort
    x = np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32)
    got = run_ncnn(tmp_path / "sp.param", tmp_path / "sp.bin", {"data": x}, ["conv_out"])[0]
    cos, rel = compare(got, run_ort(p, {"data": x})[0][0])
    assert cos > 0.99999 and rel < 1e-3
