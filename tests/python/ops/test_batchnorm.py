"""src/ops/batchnorm.ts: BatchNormalization: standalone (2-D/3-D/4-D) and folded into Conv, ConvTranspose, Gemm and MatMul."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family, X4, bn_inits, bn_node

ops = Family()
case = ops.case


for _shape_name, _shape in {"4d": X4, "2d": [1, 4], "3d": [1, 4, 5]}.items():
    case(f"batchnorm_standalone_{_shape_name}")(
        lambda s=_shape: Case(make_model([bn_node("x", "y")], {"x": s}, ["y"], bn_inits(4)), has=("BatchNorm",))
    )


@case("batchnorm_folded_into_conv")
def _():
    r = Rand(4)
    m = make_model(
        [node("Conv", ["x", "W"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]), bn_node("c", "y")],
        {"x": X4}, ["y"], {"W": r(6, 4, 3, 3, scale=0.3), **bn_inits(6)},
    )
    return Case(m, lacks=("BatchNorm",), has=("Convolution",))


@case("batchnorm_folded_into_depthwise_conv_with_bias")
def _():
    r = Rand(5)
    m = make_model(
        [node("Conv", ["x", "W", "B"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4), bn_node("c", "y")],
        {"x": X4}, ["y"], {"W": r(4, 1, 3, 3), "B": r(4), **bn_inits(4)},
    )
    return Case(m, lacks=("BatchNorm",), has=("ConvolutionDepthWise",))


@case("batchnorm_folded_into_convtranspose")
def _():
    r = Rand(6)
    m = make_model(
        [node("ConvTranspose", ["x", "W"], ["c"], kernel_shape=[2, 2], strides=[2, 2], group=2), bn_node("c", "y")],
        {"x": X4}, ["y"], {"W": r(4, 3, 2, 2), **bn_inits(6)},
    )
    return Case(m, lacks=("BatchNorm",))


@case("batchnorm1d_folded_into_gemm")
def _():
    r = Rand(7)
    m = make_model(
        [node("Gemm", ["x", "W", "B"], ["g"], transB=1, alpha=0.5, beta=2.0), bn_node("g", "y")],
        {"x": [1, 8]}, ["y"], {"W": r(5, 8), "B": r(5), **bn_inits(5)},
    )
    return Case(m, lacks=("BatchNorm",), has=("InnerProduct",))


@case("batchnorm1d_folded_into_matmul")
def _():
    r = Rand(8)
    m = make_model([node("MatMul", ["x", "W"], ["g"]), bn_node("g", "y")], {"x": [1, 8]}, ["y"], {"W": r(8, 5), **bn_inits(5)})
    return Case(m, lacks=("BatchNorm",), has=("InnerProduct",))


@case("batchnorm1d_after_flatten_gemm_opset11")
def _():
    r = Rand(9)
    m = make_model(
        [node("Flatten", ["x"], ["f"]), node("Gemm", ["f", "W"], ["g"], transB=1), bn_node("g", "y")],
        {"x": [1, 2, 3, 3]}, ["y"], {"W": r(7, 18), **bn_inits(7)}, opset=11,
    )
    return Case(m, lacks=("BatchNorm",))


test_op = ops.test_op()
