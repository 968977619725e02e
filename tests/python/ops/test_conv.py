"""src/ops/conv.ts: Conv: padding modes, strides, dilation, groups, depthwise, opsets, fp16."""
from __future__ import annotations

from pathlib import Path

import onnx

from ncnn_check import check_model
from onnx_graphs import Rand, make_model, node, save
from op_suite import CASES, Case, Family, X4

ops = Family()
case, refused = ops.case, ops.refused


def conv_model(cin=4, cout=6, k=(3, 3), x=(6, 6), bias=True, opset=13, **attrs) -> onnx.ModelProto:
    r = Rand(1)
    group = attrs.get("group", 1)
    inits = {"W": r(cout, cin // group, *k, scale=0.3)}
    ins = ["x", "W"]
    if bias:
        inits["B"] = r(cout)
        ins.append("B")
    return make_model([node("Conv", ins, ["y"], kernel_shape=list(k), **attrs)], {"x": [1, cin, *x]}, ["y"], inits, opset)


CONV_VARIANTS = {
    "plain": dict(pads=[1, 1, 1, 1]),
    "no_bias": dict(bias=False, pads=[1, 1, 1, 1]),
    "stride2": dict(strides=[2, 2], pads=[1, 1, 1, 1], x=(7, 7)),
    "dilation2": dict(dilations=[2, 2], pads=[2, 2, 2, 2], x=(8, 8)),
    "asym_pads": dict(pads=[0, 1, 2, 1]),
    "same_upper_s2": dict(auto_pad="SAME_UPPER", strides=[2, 2], x=(7, 7)),
    "same_lower": dict(auto_pad="SAME_LOWER", k=(4, 4)),
    "valid": dict(auto_pad="VALID"),
    "rect_kernel_stride": dict(k=(3, 1), strides=[2, 1], pads=[1, 0, 1, 0]),
    "depthwise": dict(cin=4, cout=4, group=4, pads=[1, 1, 1, 1]),
    "depthwise_mult2_s2": dict(cin=4, cout=8, group=4, strides=[2, 2], pads=[1, 1, 1, 1]),
    "grouped": dict(cin=4, cout=6, group=2, pads=[1, 1, 1, 1]),
    "pointwise_opset11": dict(k=(1, 1), opset=11),
    "plain_opset17": dict(pads=[1, 1, 1, 1], opset=17),
}


for _n, _kw in CONV_VARIANTS.items():
    case(f"conv_{_n}")(lambda kw=_kw: Case(conv_model(**kw)))


@case("conv_fp16")
def _():
    return Case(conv_model(pads=[1, 1, 1, 1]), fp16=True, min_cos=0.999, max_rel=1e-2)


@refused("conv_dynamic_weights")
def _():
    m = make_model([node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3])], {"x": X4, "w": [6, 4, 3, 3]}, ["y"])
    return m, "not constant"


@refused("conv3d")
def _():
    m = make_model([node("Conv", ["x", "W"], ["y"], kernel_shape=[1, 1, 1])], {"x": [1, 2, 3, 3, 3]}, ["y"], {"W": Rand(31)(2, 2, 1, 1, 1)})
    return m, "2-D"


def test_cli_convert_matches(tmp_path: Path):
    """One case end to end through the CLI and the shared check_model helper (--fp16 too)."""
    c = CASES["conv_plain"]()
    path = save(c.model, tmp_path, "conv_plain")
    check_model(path, tmp_path)
    check_model(path, tmp_path, fp16=True, min_cos=0.999, max_rel=1e-2)


test_op = ops.test_op()
test_refused = ops.test_refused()
