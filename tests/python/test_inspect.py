"""`edgeface inspect`: the shapes edgeface infers from ONNX must be the shapes the real
ncnn runtime computes for the converted model, layer by layer."""
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ncnn_check import edgeface


def small_net(path):
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w1"),
        numpy_helper.from_array(rng.standard_normal((8,)).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.standard_normal((8, 1, 3, 3)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.standard_normal((10, 8 * 8 * 8)).astype(np.float32), "fc"),
    ]
    nodes = [
        helper.make_node("Conv", ["data", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw", pads=[1, 1, 1, 1], group=8),
        helper.make_node("Flatten", ["c2"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "fc"], ["out"], name="fc", transB=1),
    ]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, 16, 16])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 10])], initializer=inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], ir_version=10), path)


def test_inspect_onnx_and_param_agree_with_runtime(tmp_path):
    p = tmp_path / "net.onnx"
    small_net(p)
    a = json.loads(edgeface("inspect", str(p), "--json").stdout)
    edgeface("convert", str(p), "-o", str(tmp_path / "net"))
    b = json.loads(edgeface("inspect", str(tmp_path / "net.param"), "--json").stdout)
    assert [(l["type"], l["name"]) for l in a["layers"]] == [(l["type"], l["name"]) for l in b["layers"]]
    # ONNX side: edgeface's shape inference; .param side: shapes measured by real ncnn.
    assert [l["outShape"] for l in a["layers"]] == [l["outShape"] for l in b["layers"]]
    shapes = {l["name"]: l["outShape"] for l in b["layers"]}
    assert shapes["conv1"] == [8, 8, 8] and shapes["dw"] == [8, 8, 8] and shapes["fc"] == [10]
    # ReLU fused into the convolution: no separate ReLU layer.
    assert [l["type"] for l in b["layers"]] == ["Input", "Convolution", "ConvolutionDepthWise", "Flatten", "InnerProduct"]
    params = 8 * 27 + 8 + 8 * 9 + 10 * 512
    assert a["totalParams"] == b["totalParams"] == params
    flops = 2 * (8 * 27 * 64 + 8 * 9 * 64 + 10 * 512)  # a multiply-add counts 2; Input/Flatten 0
    assert a["totalFlops"] == b["totalFlops"] == flops


def test_inspect_rejects_other_files(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("hi")
    r = edgeface("inspect", str(f), check=False)
    assert r.returncode == 1 and "expected a .onnx or .param" in r.stderr
