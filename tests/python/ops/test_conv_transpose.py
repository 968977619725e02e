"""src/ops/conv-transpose.ts: ConvTranspose: strides, pads, output_padding/output_shape, groups, auto_pad."""
from __future__ import annotations

import onnx

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family

ops = Family()
case = ops.case


def deconv_model(cin=4, cout_per_group=3, k=(3, 3), x=(5, 5), bias=True, opset=13, **attrs) -> onnx.ModelProto:
    r = Rand(2)
    group = attrs.get("group", 1)
    inits = {"W": r(cin, cout_per_group, *k, scale=0.3)}
    ins = ["x", "W"]
    if bias:
        inits["B"] = r(cout_per_group * group)
        ins.append("B")
    return make_model([node("ConvTranspose", ins, ["y"], kernel_shape=list(k), **attrs)], {"x": [1, cin, *x]}, ["y"], inits, opset)


DECONV_VARIANTS = {
    "plain": dict(),
    "no_bias_s2": dict(bias=False, strides=[2, 2]),
    "s2_pads": dict(strides=[2, 2], pads=[1, 1, 1, 1]),
    "s2_output_padding": dict(strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
    "asym_output_padding": dict(strides=[2, 3], pads=[0, 1, 1, 0], output_padding=[1, 0]),
    "dilation": dict(dilations=[2, 2]),
    "k4_s2_p1": dict(k=(4, 4), strides=[2, 2], pads=[1, 1, 1, 1]),
    "group2": dict(cin=4, cout_per_group=3, group=2, strides=[2, 2]),
    "depthwise": dict(cin=4, cout_per_group=1, group=4, strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
    "depthwise_multiplier2": dict(cin=4, cout_per_group=2, group=4, strides=[2, 2]),
    "output_shape_larger": dict(strides=[2, 2], output_shape=[10, 10]),
    "output_shape_smaller": dict(strides=[2, 2], output_shape=[7, 8]),
    "same_upper": dict(strides=[2, 2], auto_pad="SAME_UPPER"),
    "same_lower": dict(strides=[2, 2], auto_pad="SAME_LOWER"),
}


for _n, _kw in DECONV_VARIANTS.items():
    case(f"convtranspose_{_n}")(lambda kw=_kw: Case(deconv_model(**kw)))


test_op = ops.test_op()
