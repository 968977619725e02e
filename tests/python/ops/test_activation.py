"""src/ops/activation.ts: Activations and unary ops, and their fusion into the producing layer (activation_type)."""
from __future__ import annotations

from typing import Callable

import numpy as np
import onnx

from onnx_graphs import Rand, make_model, node, single
from op_suite import Case, Family, X4, bn_inits, bn_node, feeds_of, positive

ops = Family()
case = ops.case


def act_case(op: str, opset=13, inputs=(), inits=None, **attrs) -> Callable[[], Case]:
    def build():
        x = np.random.default_rng(12).standard_normal(X4).astype(np.float32) * 3
        return Case(single(op, X4, opset=opset, inits=inits, extra_inputs=inputs, **attrs), feeds=feeds_of(x=x))
    return build


case("relu")(act_case("Relu"))
case("leakyrelu")(act_case("LeakyRelu", alpha=0.2))
case("sigmoid")(act_case("Sigmoid"))
case("hardsigmoid")(act_case("HardSigmoid", alpha=0.3, beta=0.4))
case("hardsigmoid_default")(act_case("HardSigmoid"))
case("hardswish_opset14")(act_case("HardSwish", opset=14))
case("tanh")(act_case("Tanh"))
case("mish_opset18")(act_case("Mish", opset=18))
case("clip_opset6_attrs")(act_case("Clip", opset=6, min=-0.5, max=0.7))
case("clip_opset11_inputs")(act_case("Clip", opset=11, inputs=("lo", "hi"), inits={"lo": np.array(-0.5, np.float32), "hi": np.array(0.7, np.float32)}))
case("clip_opset13_max_only")(act_case("Clip", opset=13, inputs=("", "hi"), inits={"hi": np.array(6.0, np.float32)}))
case("clip_opset13_min_only")(act_case("Clip", opset=13, inputs=("lo",), inits={"lo": np.array(0.0, np.float32)}))
case("clip_opset13_no_bounds")(act_case("Clip", opset=13))
case("elu")(act_case("Elu", alpha=0.7))


def unary_case(op: str, positive_input: bool = False) -> Callable[[], Case]:
    def build():
        x = positive(X4, seed=34) if positive_input else np.random.default_rng(34).standard_normal(X4).astype(np.float32) * 2
        return Case(single(op, X4), feeds=feeds_of(x=x), has=("UnaryOp",))
    return build


for _op, _pos in {"Abs": False, "Neg": False, "Floor": False, "Ceil": False, "Sqrt": True, "Exp": False, "Log": True, "Reciprocal": True}.items():
    case(f"unary_{_op.lower()}")(unary_case(_op, _pos))


def fused_case(act: onnx.NodeProto | None, act_type: int, producer="Conv", inits_extra=None, opset=13) -> Case:
    r = Rand(28)
    if producer == "Conv":
        prod = node("Conv", ["x", "W", "B"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        inits, xs, layer_type = {"W": r(6, 4, 3, 3, scale=0.3), "B": r(6)}, X4, "Convolution"
    elif producer == "ConvDW":
        prod = node("Conv", ["x", "W", "B"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4)
        inits, xs, layer_type = {"W": r(4, 1, 3, 3), "B": r(4)}, X4, "ConvolutionDepthWise"
    elif producer == "ConvTranspose":
        prod = node("ConvTranspose", ["x", "W", "B"], ["c"], kernel_shape=[2, 2], strides=[2, 2])
        inits, xs, layer_type = {"W": r(4, 3, 2, 2), "B": r(3)}, X4, "Deconvolution"
    else:
        prod = node("Gemm", ["x", "W", "B"], ["c"], transB=1)
        inits, xs, layer_type = {"W": r(6, 10), "B": r(6)}, [1, 10], "InnerProduct"
    inits.update(inits_extra or {})
    m = make_model([prod, act], {"x": xs}, ["y"], inits, opset)

    def check(layers):
        mains = [kv for t, _, kv in layers if t == layer_type]
        assert len(mains) == 1 and mains[0].get("9") == str(act_type), f"activation_type {act_type} not on {layer_type}: {layers}"
        assert [t for t, _, _ in layers if t not in ("Input", layer_type)] == [], f"activation left as a layer: {layers}"
    return Case(m, param_check=check)


case("fuse_conv_relu")(lambda: fused_case(node("Relu", ["c"], ["y"]), 1))
case("fuse_conv_leakyrelu")(lambda: fused_case(node("LeakyRelu", ["c"], ["y"], alpha=0.1), 2))
case("fuse_conv_relu6_clip_opset11")(lambda: fused_case(node("Clip", ["c", "lo", "hi"], ["y"]), 3, inits_extra={"lo": np.array(0, np.float32), "hi": np.array(6, np.float32)}, opset=11))
case("fuse_conv_clip_opset6")(lambda: fused_case(node("Clip", ["c"], ["y"], min=-0.2, max=0.4), 3, opset=6))
case("fuse_conv_sigmoid")(lambda: fused_case(node("Sigmoid", ["c"], ["y"]), 4))
case("fuse_conv_mish")(lambda: fused_case(node("Mish", ["c"], ["y"]), 5, opset=18))
case("fuse_conv_hardswish")(lambda: fused_case(node("HardSwish", ["c"], ["y"]), 6, opset=14))
case("fuse_depthwise_relu")(lambda: fused_case(node("Relu", ["c"], ["y"]), 1, producer="ConvDW"))
case("fuse_deconv_relu")(lambda: fused_case(node("Relu", ["c"], ["y"]), 1, producer="ConvTranspose"))
case("fuse_gemm_relu")(lambda: fused_case(node("Relu", ["c"], ["y"]), 1, producer="Gemm"))


@case("fuse_conv_bn_relu_fp16")
def _():
    r = Rand(29)
    m = make_model(
        [node("Conv", ["x", "W"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]), bn_node("c", "b"), node("Relu", ["b"], ["y"])],
        {"x": X4}, ["y"], {"W": r(6, 4, 3, 3, scale=0.3), **bn_inits(6)},
    )
    return Case(m, fp16=True, min_cos=0.999, max_rel=1e-2, lacks=("BatchNorm", "ReLU"))


test_op = ops.test_op()
