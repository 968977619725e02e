"""One small ONNX graph per mapped op (and per signature variant across opsets), converted
by edgeface, run in the real ncnn runtime and compared with onnxruntime. Cases ncnn cannot
express must be refused through the CLI with a clear error and no output files.

Each case is a builder returning a `Case`. All cases are converted in one Node process and
run in one ncnn worker process (restarted if a bad model crashes it), so the file takes
about 20-30 s on two cores; the refusals and one plain case go through the CLI itself."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ncnn_check import CLI, ROOT, check_model, compare, edgeface, run_ort  # noqa: E402
from onnx_graphs import Rand, convert_batch, f32, i64, make_model, node, param_layers, run_ncnn_batch, save, single  # noqa: E402

if not CLI.exists():
    pytest.skip("dist/ not built (run `npm run build`)", allow_module_level=True)

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


CASES: dict[str, Callable[[], Case]] = {}
#: name -> builder of (model, substring the error message must contain)
REFUSED: dict[str, Callable[[], tuple[onnx.ModelProto, str]]] = {}


def case(name: str):
    def reg(f):
        assert name not in CASES, name
        CASES[name] = f
        return f
    return reg


def refused(name: str):
    def reg(f):
        REFUSED[name] = f
        return f
    return reg


def feeds_of(**arrays: np.ndarray) -> dict[str, np.ndarray]:
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in arrays.items()}


def positive(shape, seed=7) -> np.ndarray:
    """Inputs kept away from zero (denominators)."""
    return (np.abs(np.random.default_rng(seed).standard_normal(shape)) + 0.5).astype(np.float32)


# --------------------------------------------------------------------------- Conv

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


# --------------------------------------------------------------------------- ConvTranspose

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


# --------------------------------------------------------------------------- BatchNormalization

def bn_inits(c: int, prefix="bn", seed=3) -> dict[str, np.ndarray]:
    r = Rand(seed)
    return {f"{prefix}_s": r(c), f"{prefix}_b": r(c), f"{prefix}_m": r(c), f"{prefix}_v": r(c, positive=True)}


def bn_node(x: str, y: str, prefix="bn", eps=1e-3) -> onnx.NodeProto:
    return node("BatchNormalization", [x, f"{prefix}_s", f"{prefix}_b", f"{prefix}_m", f"{prefix}_v"], [y], epsilon=eps)


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


# --------------------------------------------------------------------------- PRelu

for _n, _slope in {
    "per_channel_c11": lambda r: r(4, 1, 1),
    "per_channel_1c11": lambda r: r(1, 4, 1, 1),
    "scalar": lambda r: r(1),
}.items():
    case(f"prelu_{_n}")(lambda s=_slope: Case(single("PRelu", X4, inits={"s": s(Rand(10))}, extra_inputs=["s"])))


@case("prelu_2d_per_channel")
def _():
    return Case(single("PRelu", [1, 6], inits={"s": Rand(11)(6)}, extra_inputs=["s"]))


# --------------------------------------------------------------------------- activations

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


# --------------------------------------------------------------------------- Add/Sub/Mul/Div

def binary_const(op: str, const: np.ndarray, const_first: bool, opset=13) -> Case:
    ins = ["c", "x"] if const_first else ["x", "c"]
    m = make_model([node(op, ins, ["y"])], {"x": X4}, ["y"], {"c": const}, opset)
    feeds = feeds_of(x=positive(X4)) if (op == "Div" and const_first) else None
    return Case(m, feeds=feeds)


for _op in ("Add", "Sub", "Mul", "Div"):
    _pos = _op == "Div"
    case(f"{_op.lower()}_tensor_tensor")(lambda op=_op: Case(
        make_model([node(op, ["x", "z"], ["y"])], {"x": X4, "z": X4}, ["y"]),
        feeds=feeds_of(x=np.random.default_rng(1).standard_normal(X4), z=positive(X4)),
    ))
    case(f"{_op.lower()}_const_1c11")(lambda op=_op, p=_pos: binary_const(op, Rand(13)(1, 4, 1, 1, positive=p), False))
    case(f"{_op.lower()}_const_c11")(lambda op=_op, p=_pos: binary_const(op, Rand(14)(4, 1, 1, positive=p), False))
    case(f"{_op.lower()}_const_c11_first")(lambda op=_op: binary_const(op, Rand(15)(4, 1, 1), True))
    case(f"{_op.lower()}_scalar")(lambda op=_op: binary_const(op, np.array(1.7, np.float32), False))
    case(f"{_op.lower()}_scalar_first")(lambda op=_op: binary_const(op, np.array(1.7, np.float32), True))
    case(f"{_op.lower()}_scalar_1d_opset11")(lambda op=_op: binary_const(op, f32(-0.6), False, opset=11))
    case(f"{_op.lower()}_const_last_axis")(lambda op=_op, p=_pos: binary_const(op, Rand(16)(6, positive=p), False))
    case(f"{_op.lower()}_const_full")(lambda op=_op, p=_pos: binary_const(op, Rand(17)(1, 4, 6, 6, positive=p), False))


for _op in ("Max", "Min"):
    case(f"{_op.lower()}_tensor_tensor")(lambda op=_op: Case(make_model([node(op, ["x", "z"], ["y"])], {"x": X4, "z": X4}, ["y"])))
    case(f"{_op.lower()}_scalar")(lambda op=_op: binary_const(op, np.array(0.3, np.float32), False))
    case(f"{_op.lower()}_const_c11_first")(lambda op=_op: binary_const(op, Rand(35)(4, 1, 1), True))


@case("pow_scalar_exponent")
def _():
    m = make_model([node("Pow", ["x", "e"], ["y"])], {"x": X4}, ["y"], {"e": np.array(2.0, np.float32)})
    return Case(m, feeds=feeds_of(x=positive(X4)))


@case("pow_scalar_base")
def _():
    m = make_model([node("Pow", ["b", "x"], ["y"])], {"x": X4}, ["y"], {"b": np.array(1.5, np.float32)})
    return Case(m)


@case("mul_broadcast_two_activations_se_block")
def _():
    """Squeeze-excitation: x * sigmoid(conv(GlobalAveragePool(x)))."""
    r = Rand(18)
    m = make_model(
        [
            node("GlobalAveragePool", ["x"], ["p"]),
            node("Conv", ["p", "W", "B"], ["c"], kernel_shape=[1, 1]),
            node("Sigmoid", ["c"], ["s"]),
            node("Mul", ["x", "s"], ["y"]),
        ],
        {"x": X4}, ["y"], {"W": r(4, 4, 1, 1), "B": r(4)},
    )
    return Case(m)


@case("mul_reducemean_keepdims_se_block_opset17")
def _():
    """SE block written with ReduceMean(keepdims=1) instead of GlobalAveragePool."""
    r = Rand(33)
    m = make_model(
        [
            node("ReduceMean", ["x"], ["p"], axes=[2, 3], keepdims=1),
            node("Conv", ["p", "W"], ["c"], kernel_shape=[1, 1]),
            node("HardSigmoid", ["c"], ["s"], alpha=1 / 6, beta=0.5),
            node("Mul", ["x", "s"], ["y"]),
        ],
        {"x": X4}, ["y"], {"W": r(4, 4, 1, 1)}, opset=17,
    )
    return Case(m)


@case("add_broadcast_activation_rank2_rank4")
def _():
    """[1,C,H,W] + [1,C,1,1] where the second comes from Unsqueeze of a [1,C] activation."""
    m = make_model(
        [node("ReduceMean", ["x"], ["m"], axes=[2, 3], keepdims=0), node("Unsqueeze", ["m", "ax"], ["u"]), node("Sub", ["x", "u"], ["y"])],
        {"x": X4}, ["y"], {"ax": i64(2, 3)},
    )
    return Case(m)


@case("add_broadcast_activation_lower_rank")
def _():
    """[1,C,H,W] + [1,W]: numpy aligns the [1,W] operand on the right (ncnn on the left)."""
    m = make_model([node("ReduceMean", ["x"], ["m"], axes=[1, 2], keepdims=0), node("Add", ["x", "m"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


# --------------------------------------------------------------------------- Gemm / MatMul

def gemm_case(trans_b: int, bias_shape: tuple | None, alpha=1.0, beta=1.0, opset=13) -> Case:
    r = Rand(19)
    k, n = 12, 5
    inits = {"W": r(n, k) if trans_b else r(k, n)}
    ins = ["x", "W"]
    if bias_shape is not None:
        inits["C"] = r(*bias_shape)
        ins.append("C")
    m = make_model([node("Gemm", ins, ["y"], transB=trans_b, alpha=alpha, beta=beta)], {"x": [1, k]}, ["y"], inits, opset)
    return Case(m, has=("InnerProduct",))


case("gemm_transb1_bias")(lambda: gemm_case(1, (5,)))
case("gemm_transb0_bias")(lambda: gemm_case(0, (5,)))
case("gemm_transb0_no_bias")(lambda: gemm_case(0, None))
case("gemm_alpha_beta")(lambda: gemm_case(1, (5,), alpha=0.7, beta=-1.3))
case("gemm_bias_1n")(lambda: gemm_case(1, (1, 5), beta=0.5))
case("gemm_scalar_bias_opset11")(lambda: gemm_case(0, (1,), alpha=2.0, opset=11))


@case("gemm_fp16")
def _():
    c = gemm_case(1, (5,))
    c.fp16, c.min_cos, c.max_rel = True, 0.999, 1e-2
    return c


@case("matmul_const_b")
def _():
    return Case(make_model([node("MatMul", ["x", "W"], ["y"])], {"x": [1, 12]}, ["y"], {"W": Rand(20)(12, 5)}), has=("InnerProduct",))


@case("matmul_const_b_rank3")
def _():
    return Case(make_model([node("MatMul", ["x", "W"], ["y"])], {"x": [1, 3, 12]}, ["y"], {"W": Rand(21)(12, 5)}))


@case("matmul_two_activations_3d")
def _():
    return Case(make_model([node("MatMul", ["a", "b"], ["y"])], {"a": [1, 3, 4], "b": [1, 4, 5]}, ["y"]), has=("MatMul",))


@case("matmul_two_activations_4d")
def _():
    return Case(make_model([node("MatMul", ["a", "b"], ["y"])], {"a": [1, 2, 3, 4], "b": [1, 2, 4, 5]}, ["y"]), has=("MatMul",))


# --------------------------------------------------------------------------- Flatten / Reshape

@case("flatten_after_conv")
def _():
    r = Rand(22)
    m = make_model(
        [node("Conv", ["x", "W"], ["c"], kernel_shape=[3, 3]), node("Flatten", ["c"], ["f"]), node("Gemm", ["f", "G"], ["y"], transB=1)],
        {"x": X4}, ["y"], {"W": r(3, 4, 3, 3), "G": r(5, 48)},
    )
    return Case(m)


case("flatten_output")(lambda: Case(single("Flatten", X4, axis=1)))
case("reshape_to_3d")(lambda: Case(single("Reshape", X4, inits={"s": i64(1, 4, 36)}, extra_inputs=["s"])))
case("reshape_to_2d")(lambda: Case(single("Reshape", X4, inits={"s": i64(1, -1)}, extra_inputs=["s"])))
case("reshape_zero_copy")(lambda: Case(single("Reshape", X4, inits={"s": i64(0, 0, 3, 12)}, extra_inputs=["s"])))
case("reshape_split_channels")(lambda: Case(single("Reshape", X4, inits={"s": i64(1, 2, 2, 36)}, extra_inputs=["s"])))
case("reshape_3d_to_4d")(lambda: Case(single("Reshape", [1, 4, 36], inits={"s": i64(1, 4, 6, 6)}, extra_inputs=["s"])))


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


case("reshape_view_chain_opset11")(lambda: view_chain(11))
case("reshape_view_chain_opset13")(lambda: view_chain(13))


@case("globalaveragepool_view_chain_gemm")
def _():
    """avgpool -> x.view(x.size(0), -1) -> Linear: the Reshape goes with the pooling's flat output."""
    c = view_chain(13)
    g = c.model.graph
    g.node.insert(0, node("GlobalAveragePool", ["x"], ["p"]))
    for n in g.node[1:]:
        n.input[:] = ["p" if i == "x" else i for i in n.input]
    g.initializer[2].CopyFrom(onnx.numpy_helper.from_array(Rand(32)(5, 4), "W"))
    onnx.checker.check_model(c.model)
    return Case(c.model, lacks=("Reshape", "Flatten"))


@case("reshape_view_chain_dynamic_batch")
def _():
    c = view_chain(13)
    c.model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    return c


# --------------------------------------------------------------------------- Transpose

for _perm in ([0, 1, 3, 2], [0, 2, 1, 3], [0, 2, 3, 1], [0, 3, 1, 2], [0, 3, 2, 1], [0, 1, 2, 3]):
    case("transpose_4d_" + "".join(map(str, _perm)))(
        lambda p=_perm: Case(single("Transpose", [1, 2, 3, 4], perm=p))
    )
case("transpose_3d_021")(lambda: Case(single("Transpose", [1, 3, 5], perm=[0, 2, 1])))
case("transpose_2d_identity")(lambda: Case(single("Transpose", [1, 5], perm=[0, 1])))


# --------------------------------------------------------------------------- Concat

def concat_case(axis: int, shapes: list[list[int]]) -> Case:
    names = [f"x{i}" for i in range(len(shapes))]
    m = make_model([node("Concat", names, ["y"], axis=axis)], dict(zip(names, shapes)), ["y"])
    return Case(m)


case("concat_channels")(lambda: concat_case(1, [[1, 2, 4, 4], [1, 3, 4, 4], [1, 1, 4, 4]]))
case("concat_height")(lambda: concat_case(2, [[1, 2, 3, 4], [1, 2, 5, 4]]))
case("concat_width_negative_axis")(lambda: concat_case(-1, [[1, 2, 4, 3], [1, 2, 4, 2]]))
case("concat_3d_last")(lambda: concat_case(2, [[1, 3, 4], [1, 3, 2]]))
case("concat_2d")(lambda: concat_case(1, [[1, 4], [1, 6]]))


@case("concat_with_constant")
def _():
    m = make_model([node("Concat", ["x", "c"], ["y"], axis=1)], {"x": X4}, ["y"], {"c": Rand(24)(1, 2, 6, 6)})
    return Case(m)


# --------------------------------------------------------------------------- Split

def split_case(opset: int, axis: int, n_out: int, sizes: list[int] | None, x=(1, 6, 4, 5), **attrs) -> Case:
    outs = [f"y{i}" for i in range(n_out)]
    ins = ["x"]
    inits = {}
    if sizes is not None and opset >= 13:
        ins.append("split")
        inits["split"] = i64(*sizes)
    elif sizes is not None:
        attrs["split"] = sizes
    # Follow each part with a distinct op so every output is a separate blob in ncnn too.
    m = make_model([node("Split", ins, outs, axis=axis, **attrs)], {"x": list(x)}, outs, inits, opset)
    return Case(m, has=("Slice",))


case("split_equal_opset11")(lambda: split_case(11, 1, 3, None))
case("split_sizes_attr_opset11")(lambda: split_case(11, 1, 2, [2, 4]))
case("split_sizes_input_opset13")(lambda: split_case(13, 1, 3, [1, 2, 3]))
case("split_sizes_input_opset17")(lambda: split_case(17, 1, 2, [5, 1]))
case("split_height_opset13")(lambda: split_case(13, 2, 2, [3, 1]))
case("split_width_negative_axis")(lambda: split_case(13, -1, 2, None, x=(1, 2, 3, 6)))
case("split_num_outputs_opset18_uneven")(lambda: split_case(18, 1, 4, None, x=(1, 7, 2, 2), num_outputs=4))


# --------------------------------------------------------------------------- Slice

def slice_case(opset: int, starts, ends, axes=None, steps=None, x=(1, 6, 7, 8)) -> Case:
    if opset < 10:
        attrs = {"starts": starts, "ends": ends, **({"axes": axes} if axes is not None else {})}
        m = make_model([node("Slice", ["x"], ["y"], **attrs)], {"x": list(x)}, ["y"], opset=opset)
    else:
        inits = {"st": i64(*starts), "en": i64(*ends)}
        ins = ["x", "st", "en"]
        if axes is not None:
            inits["ax"] = i64(*axes)
            ins.append("ax")
        if steps is not None:
            inits["sp"] = i64(*steps)
            ins.append("sp")
        m = make_model([node("Slice", ins, ["y"])], {"x": list(x)}, ["y"], inits, opset)
    return Case(m, has=("Crop",))


INT64_MAX = 2**63 - 1
case("slice_opset9_attrs_channels")(lambda: slice_case(9, [1], [4], [1]))
case("slice_opset9_no_axes")(lambda: slice_case(9, [0, 2, 1], [1, 5, 3]))
case("slice_opset11_spatial")(lambda: slice_case(11, [1, 2], [5, 7], [2, 3]))
case("slice_opset13_negative")(lambda: slice_case(13, [-3, -5], [-1, INT64_MAX], [1, -1]))
case("slice_opset13_steps_one")(lambda: slice_case(13, [0], [3], [2], [1]))
case("slice_opset13_end_clamped")(lambda: slice_case(13, [2], [100], [3]))
case("slice_3d")(lambda: slice_case(13, [1], [3], [2], x=(1, 4, 5)))
case("slice_2d")(lambda: slice_case(13, [2], [7], [1], x=(1, 9)))


# --------------------------------------------------------------------------- Squeeze / Unsqueeze

@case("squeeze_opset11_attr")
def _():
    m = make_model([node("GlobalAveragePool", ["x"], ["p"]), node("Squeeze", ["p"], ["y"], axes=[2, 3])], {"x": X4}, ["y"], opset=11)
    return Case(m)


@case("squeeze_opset13_input")
def _():
    m = make_model([node("GlobalAveragePool", ["x"], ["p"]), node("Squeeze", ["p", "ax"], ["y"])], {"x": X4}, ["y"], {"ax": i64(-1, 2)})
    return Case(m)


case("squeeze_middle_axis")(lambda: Case(single("Squeeze", [1, 3, 1, 5], inits={"ax": i64(2)}, extra_inputs=["ax"])))
case("unsqueeze_opset11_attr")(lambda: Case(single("Unsqueeze", [1, 4], opset=11, axes=[2, 3])))
case("unsqueeze_opset13_input")(lambda: Case(single("Unsqueeze", [1, 4], inits={"ax": i64(-1, 2)}, extra_inputs=["ax"])))
case("unsqueeze_3d_to_4d")(lambda: Case(single("Unsqueeze", [1, 3, 5], inits={"ax": i64(1)}, extra_inputs=["ax"])))


# --------------------------------------------------------------------------- pooling

POOL_VARIANTS = {
    "maxpool_k3s2p1": ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), (7, 7)),
    "maxpool_k2s2": ("MaxPool", dict(kernel_shape=[2, 2], strides=[2, 2]), (6, 6)),
    "maxpool_ceil": ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), (8, 8)),
    "maxpool_asym_pads": ("MaxPool", dict(kernel_shape=[2, 3], strides=[1, 2], pads=[0, 1, 1, 0]), (6, 7)),
    "maxpool_same_upper": ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"), (7, 7)),
    "avgpool_pads_exclude": ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), (7, 7)),
    "avgpool_pads_include": ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1), (7, 7)),
    "avgpool_ceil_exclude": ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), (8, 8)),
    "avgpool_ceil_pads_exclude": ("AveragePool", dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1), (6, 6)),
    "avgpool_k2s2": ("AveragePool", dict(kernel_shape=[2, 2], strides=[2, 2]), (6, 6)),
    # ceil_mode windows that would start in the end padding are dropped (4x4 -> 2x2, not 3x3)
    "maxpool_ceil_drops_window_in_padding": ("MaxPool", dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1], ceil_mode=1), (4, 4)),
    "avgpool_ceil_drops_window_in_padding": ("AveragePool", dict(kernel_shape=[3, 3], strides=[3, 3], pads=[1, 1, 1, 1], ceil_mode=1), (5, 5)),
}
for _n, (_op, _attrs, _hw) in POOL_VARIANTS.items():
    case(_n)(lambda op=_op, a=_attrs, hw=_hw: Case(single(op, [1, 3, *hw], **a), has=("Pooling",)))


for _gop in ("GlobalAveragePool", "GlobalMaxPool"):
    _g = _gop.lower()
    case(f"{_g}_output")(lambda op=_gop: Case(single(op, X4)))

    @case(f"{_g}_flatten_gemm")
    def _(op=_gop):
        m = make_model(
            [node(op, ["x"], ["p"]), node("Flatten", ["p"], ["f"]), node("Gemm", ["f", "W"], ["y"], transB=1)],
            {"x": X4}, ["y"], {"W": Rand(25)(3, 4)},
        )
        return Case(m, lacks=("Flatten",))

    @case(f"{_g}_then_mul")
    def _(op=_gop):
        m = make_model([node(op, ["x"], ["p"]), node("Mul", ["x", "p"], ["y"])], {"x": X4}, ["y"])
        return Case(m)


# --------------------------------------------------------------------------- Pad

def pad_case(mode: str, pads: list[int], opset=13, value: float | None = None, x=X4) -> Case:
    if opset < 11:
        attrs = {"mode": mode, "pads": pads, **({"value": value} if value is not None else {})}
        return Case(make_model([node("Pad", ["x"], ["y"], **attrs)], {"x": x}, ["y"], opset=opset), has=("Padding",))
    inits = {"p": i64(*pads)}
    ins = ["x", "p"]
    if value is not None:
        inits["v"] = np.array(value, np.float32)
        ins.append("v")
    return Case(make_model([node("Pad", ins, ["y"], mode=mode)], {"x": x}, ["y"], inits, opset), has=("Padding",))


case("pad_constant_opset2_attrs")(lambda: pad_case("constant", [0, 0, 1, 2, 0, 0, 2, 1], opset=2, value=0.5))
case("pad_constant_value_opset13")(lambda: pad_case("constant", [0, 0, 1, 0, 0, 0, 0, 2], value=-1.5))
case("pad_constant_zero")(lambda: pad_case("constant", [0, 0, 1, 1, 0, 0, 1, 1]))
case("pad_reflect")(lambda: pad_case("reflect", [0, 0, 2, 1, 0, 0, 1, 2]))
case("pad_edge")(lambda: pad_case("edge", [0, 0, 1, 3, 0, 0, 2, 0], opset=11))
case("pad_channels_constant")(lambda: pad_case("constant", [0, 1, 0, 0, 0, 2, 0, 0], value=0.25))
case("pad_3d_constant")(lambda: pad_case("constant", [0, 1, 2, 0, 0, 3], x=[1, 3, 5]))
case("pad_reflect_channels")(lambda: pad_case("reflect", [0, 1, 1, 0, 0, 2, 0, 1]))
case("pad_edge_channels")(lambda: pad_case("edge", [0, 2, 0, 0, 0, 1, 1, 1]))


# --------------------------------------------------------------------------- Resize / Upsample

def resize_case(opset: int, mode: str, scales=None, sizes=None, x=(1, 2, 4, 5), **attrs) -> Case:
    inits: dict[str, np.ndarray] = {}
    if opset >= 13:
        ins = ["x", "", "sc" if scales is not None else "", "sz" if sizes is not None else ""]
    else:  # opset 11 requires roi and scales inputs to be present (may be empty)
        inits["roi"] = np.zeros(0, np.float32)
        ins = ["x", "roi", "sc", "sz" if sizes is not None else ""]
        if scales is None:
            inits["sc"] = np.zeros(0, np.float32)
    if scales is not None:
        inits["sc"] = f32(*scales)
    if sizes is not None:
        inits["sz"] = i64(*sizes)
    while ins and ins[-1] == "":
        ins.pop()
    m = make_model([node("Resize", ins, ["y"], mode=mode, **attrs)], {"x": list(x)}, ["y"], inits, opset)
    return Case(m, has=("Interp",))


case("resize_nearest_scales2_opset11")(lambda: resize_case(11, "nearest", scales=[1, 1, 2, 2]))
case("resize_nearest_scales2_asym_floor")(lambda: resize_case(13, "nearest", scales=[1, 1, 2, 2], coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
case("resize_nearest_scales3_half_pixel")(lambda: resize_case(13, "nearest", scales=[1, 1, 3, 3]))
case("resize_nearest_downscale_half")(lambda: resize_case(13, "nearest", scales=[1, 1, 0.5, 0.5], x=(1, 2, 6, 8)))
case("resize_nearest_sizes")(lambda: resize_case(13, "nearest", sizes=[1, 2, 8, 15]))
case("resize_nearest_asym_floor_sizes_non_integer")(lambda: resize_case(13, "nearest", sizes=[1, 2, 6, 7], coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
case("resize_bilinear_scales2_half_pixel")(lambda: resize_case(13, "linear", scales=[1, 1, 2, 2]))
case("resize_bilinear_pytorch_half_pixel_opset11")(lambda: resize_case(11, "linear", scales=[1, 1, 2, 2], coordinate_transformation_mode="pytorch_half_pixel"))
case("resize_bilinear_sizes_non_integer")(lambda: resize_case(13, "linear", sizes=[1, 2, 7, 8]))
case("resize_bilinear_downscale")(lambda: resize_case(13, "linear", sizes=[1, 2, 2, 3], x=(1, 2, 6, 7)))
case("resize_bilinear_align_corners")(lambda: resize_case(13, "linear", sizes=[1, 2, 7, 9], coordinate_transformation_mode="align_corners"))
case("resize_nearest_opset17_sizes")(lambda: resize_case(17, "nearest", sizes=[1, 2, 8, 10]))
case("resize_bilinear_opset18")(lambda: resize_case(18, "linear", scales=[1, 1, 2, 2]))
case("resize_nearest_scale1_5_asym_floor")(lambda: resize_case(13, "nearest", scales=[1, 1, 1.5, 1.5], x=(1, 2, 4, 6), coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
case("resize_bicubic_half_pixel")(lambda: resize_case(13, "cubic", scales=[1, 1, 2, 2], x=(1, 2, 5, 6)))
case("resize_bilinear_opset18_axes_sizes")(lambda: resize_case(18, "linear", sizes=[9, 7], axes=[2, 3]))


@case("resize_nearest_opset10")
def _():
    m = make_model([node("Resize", ["x", "sc"], ["y"], mode="nearest")], {"x": [1, 2, 3, 4]}, ["y"], {"sc": f32(1, 1, 2, 2)}, opset=10)
    return Case(m, has=("Interp",))


@case("upsample_nearest_opset9")
def _():
    m = make_model([node("Upsample", ["x", "sc"], ["y"], mode="nearest")], {"x": [1, 2, 3, 4]}, ["y"], {"sc": f32(1, 1, 2, 3)}, opset=9)
    return Case(m, has=("Interp",))


@case("upsample_nearest_opset7_attr")
def _():
    m = make_model([node("Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 2.0, 2.0])], {"x": [1, 2, 3, 4]}, ["y"], opset=7)
    return Case(m, has=("Interp",))


# --------------------------------------------------------------------------- Softmax

case("softmax_opset13_channels")(lambda: Case(single("Softmax", X4, axis=1)))
case("softmax_opset13_last")(lambda: Case(single("Softmax", X4)))
case("softmax_opset13_height")(lambda: Case(single("Softmax", X4, axis=2)))
case("softmax_opset13_3d")(lambda: Case(single("Softmax", [1, 3, 5], axis=1)))
case("softmax_opset11_2d")(lambda: Case(single("Softmax", [1, 10], opset=11)))
case("softmax_opset11_3d_last")(lambda: Case(single("Softmax", [1, 3, 5], opset=11, axis=2)))
case("softmax_opset11_4d_axis1_flattens")(lambda: Case(single("Softmax", X4, opset=11, axis=1)))
case("softmax_opset11_4d_axis2_flattens")(lambda: Case(single("Softmax", X4, opset=11, axis=2)))


# --------------------------------------------------------------------------- ReduceMean / ReduceL2

def reduce_case(op: str, axes: list[int] | None, keepdims: int, opset: int, x=X4) -> Case:
    attrs = {"keepdims": keepdims}
    inits = {}
    ins = ["x"]
    if axes is not None and opset >= 18:
        inits["ax"] = i64(*axes)
        ins.append("ax")
    elif axes is not None:
        attrs["axes"] = axes
    return Case(make_model([node(op, ins, ["y"], **attrs)], {"x": list(x)}, ["y"], inits, opset), has=("Reduction",))


for _op in ("ReduceMean", "ReduceL2"):
    _p = _op.lower()
    case(f"{_p}_spatial_keep_opset13")(lambda op=_op: reduce_case(op, [2, 3], 1, 13))
    case(f"{_p}_spatial_drop_opset13")(lambda op=_op: reduce_case(op, [2, 3], 0, 13))
    case(f"{_p}_channels_keep_opset11")(lambda op=_op: reduce_case(op, [1], 1, 11))
    case(f"{_p}_channels_drop_opset11")(lambda op=_op: reduce_case(op, [1], 0, 11))
    case(f"{_p}_spatial_keep_opset17_attr")(lambda op=_op: reduce_case(op, [2, 3], 1, 17))
    case(f"{_p}_last_negative_opset18_input")(lambda op=_op: reduce_case(op, [-1], 1, 18))
    case(f"{_p}_spatial_drop_opset18_input")(lambda op=_op: reduce_case(op, [2, 3], 0, 18))
    case(f"{_p}_2d_drop")(lambda op=_op: reduce_case(op, [1], 0, 13, x=[1, 7]))
    case(f"{_p}_3d_channels_keep")(lambda op=_op: reduce_case(op, [1], 1, 13, x=[1, 3, 5]))
    case(f"{_p}_all_but_batch_keep")(lambda op=_op: reduce_case(op, [1, 2, 3], 1, 13))
case("reducesum_opset13_axes_input")(lambda: Case(
    make_model([node("ReduceSum", ["x", "ax"], ["y"], keepdims=1)], {"x": X4}, ["y"], {"ax": i64(2, 3)}), has=("Reduction",)))
case("reducelogsumexp_channels")(lambda: reduce_case("ReduceLogSumExp", [1], 1, 13))
case("reducemax_spatial")(lambda: reduce_case("ReduceMax", [2, 3], 0, 13))


# --------------------------------------------------------------------------- Gather / Constant / Identity / Dropout

def gather_case(axis: int, index: np.ndarray, x=(1, 5, 4, 6)) -> Case:
    return Case(single("Gather", list(x), inits={"i": index}, extra_inputs=["i"], axis=axis))


case("gather_scalar_channel")(lambda: gather_case(1, np.array(2, np.int64)))
case("gather_scalar_negative_width")(lambda: gather_case(3, np.array(-1, np.int64)))
case("gather_range_height")(lambda: gather_case(2, i64(1, 2)))
case("gather_scalar_2d")(lambda: gather_case(1, np.array(3, np.int64), x=(1, 7)))
case("gather_list_noncontiguous_channels")(lambda: gather_case(1, i64(3, 0, 4)))


@case("constant_node_operand")
def _():
    t = onnx.numpy_helper.from_array(Rand(26)(1, 4, 1, 1), "c")
    m = make_model([node("Constant", [], ["c"], value=t), node("Mul", ["x", "c"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


@case("constant_scalar_value_float_opset13")
def _():
    m = make_model([node("Constant", [], ["c"], value_float=2.5), node("Add", ["x", "c"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


@case("cast_float_to_float_removed")
def _():
    m = make_model([node("Cast", ["x"], ["c"], to=onnx.TensorProto.FLOAT), node("Relu", ["c"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


@case("shape_slice_concat_reshape_target")
def _():
    """Reshape to Shape(x)[0:2] ++ [-1]: Shape, Slice and Concat of constants folded."""
    m = make_model(
        [node("Shape", ["x"], ["s"]), node("Slice", ["s", "st", "en"], ["s2"]), node("Concat", ["s2", "m1"], ["t"], axis=0),
         node("Reshape", ["x", "t"], ["y"])],
        {"x": X4}, ["y"], {"st": i64(0), "en": i64(2), "m1": i64(-1)},
    )
    return Case(m, lacks=("Crop", "Concat"))


@case("constantofshape_and_range_folded")
def _():
    """ConstantOfShape(3) as an additive constant, Range(1, 3) as a Gather index: both folded."""
    fill = onnx.helper.make_tensor("v", onnx.TensorProto.FLOAT, [1], [0.5])
    m = make_model(
        [node("ConstantOfShape", ["shp"], ["k"], value=fill), node("Range", ["r0", "r1", "r2"], ["idx"]),
         node("Gather", ["x", "idx"], ["g"], axis=3), node("Add", ["g", "k"], ["y"])],
        {"x": X4}, ["y"], {"shp": i64(2), "r0": np.array(1, np.int64), "r1": np.array(3, np.int64), "r2": np.array(1, np.int64)},
    )
    return Case(m)


@case("expand_activation_spatial")
def _():
    m = make_model([node("GlobalAveragePool", ["x"], ["p"]), node("Expand", ["p", "s"], ["y"])], {"x": X4}, ["y"], {"s": i64(1, 4, 6, 6)})
    return Case(m)


@case("expand_activation_lower_rank_shape")
def _():
    """[1, 1, 4] expanded by the shorter shape [3, 1] -> [1, 3, 4]."""
    m = make_model([node("Expand", ["x", "s"], ["y"])], {"x": [1, 1, 4]}, ["y"], {"s": i64(3, 1)})
    return Case(m)


@case("expand_activation_to_higher_rank")
def _():
    """[1, 4] expanded to [1, 3, 2, 4]: numpy aligns the input on the right."""
    m = make_model([node("Expand", ["x", "s"], ["y"])], {"x": [1, 4]}, ["y"], {"s": i64(1, 3, 2, 4)})
    return Case(m)


@case("identity_and_dropout_removed")
def _():
    m = make_model(
        [node("Identity", ["x"], ["a"]), node("Relu", ["a"], ["b"]), node("Dropout", ["b"], ["c"]), node("Sigmoid", ["c"], ["d"]),
         node("Dropout", ["d", "ratio"], ["y", "mask"])],
        {"x": X4}, ["y"], {"ratio": np.array(0.3, np.float32)},
    )
    return Case(m, lacks=("Dropout", "Noop"))


@case("dropout_opset11_ratio_attr")
def _():
    m = make_model([node("Conv", ["x", "W"], ["c"], kernel_shape=[1, 1]), node("Dropout", ["c"], ["y"], ratio=0.5)], {"x": X4}, ["y"], {"W": Rand(27)(3, 4, 1, 1)}, 11)
    return Case(m, lacks=("Dropout",))


# --------------------------------------------------------------------------- F.normalize -> Normalize

def l2norm_case(opset: int, rank4: bool = False) -> Case:
    """F.normalize(x, dim=1) as torch exports it: ReduceL2 -> Clip(min=eps) -> Expand(Shape(x)) -> Div."""
    inits: dict[str, np.ndarray] = {}
    red_ins, red_attrs = ["x"], {"keepdims": 1}
    if opset >= 18:
        inits["ax"] = i64(1)
        red_ins.append("ax")
    else:
        red_attrs["axes"] = [1]
    if opset >= 11:
        inits["eps"] = np.array(1e-12, np.float32)
        clip = node("Clip", ["n", "eps"], ["nc"])
    else:
        clip = node("Clip", ["n"], ["nc"], min=1e-12)
    nodes = [node("ReduceL2", red_ins, ["n"], **red_attrs), clip, node("Shape", ["x"], ["s"]), node("Expand", ["nc", "s"], ["e"]), node("Div", ["x", "e"], ["y"])]
    x = X4 if rank4 else [1, 16]
    return Case(make_model(nodes, {"x": x}, ["y"], inits, opset), has=("Normalize",), lacks=("Reduction", "BinaryOp", "Clip"))


case("l2normalize_opset9_clip_attr")(lambda: l2norm_case(9))
case("l2normalize_opset11")(lambda: l2norm_case(11))
case("l2normalize_opset13")(lambda: l2norm_case(13))
case("l2normalize_opset17")(lambda: l2norm_case(17))
case("l2normalize_opset18_axes_input")(lambda: l2norm_case(18))
case("l2normalize_4d_channels")(lambda: l2norm_case(13, rank4=True))
case("lpnormalization_2d")(lambda: Case(single("LpNormalization", [1, 16], axis=1, p=2), has=("Normalize",)))
case("lpnormalization_4d_channels")(lambda: Case(single("LpNormalization", X4, axis=1, p=2), has=("Normalize",)))


@case("l2normalize_rank3_decomposed")
def _():
    """F.normalize over the channels of [1, C, L]: no ncnn Normalize mode fits a 2-D blob, so
    the pattern stays ReduceL2 + Clip + Expand (BinaryOp with zeros) + Div."""
    c = l2norm_case(13)
    c.model.graph.input[0].type.tensor_type.shape.dim.add().dim_value = 3
    c.has, c.lacks = ("Reduction",), ("Normalize",)
    return c


@case("l2normalize_after_view_and_linear")
def _():
    """The arcface-pytorch head: x.view(x.size(0), -1) -> Linear -> F.normalize."""
    c = view_chain(13)
    g = c.model.graph
    g.node[-1].output[0] = "emb"
    g.initializer.append(onnx.numpy_helper.from_array(i64(1), "ax1"))
    g.initializer.append(onnx.numpy_helper.from_array(np.array(1e-12, np.float32), "eps"))
    g.node.extend([
        node("ReduceL2", ["emb"], ["n"], axes=[1], keepdims=1), node("Clip", ["n", "eps"], ["nc"]),
        node("Shape", ["emb"], ["s2"]), node("Expand", ["nc", "s2"], ["e"]), node("Div", ["emb", "e"], ["y"]),
    ])
    onnx.checker.check_model(c.model)
    return Case(c.model, has=("Normalize", "InnerProduct"), lacks=("Reduction", "BinaryOp"))


# --------------------------------------------------------------------------- activation fusion

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


# --------------------------------------------------------------------------- refused cases

@refused("transpose_moves_batch")
def _():
    return single("Transpose", [1, 2, 3, 4], perm=[1, 0, 2, 3]), "batch"


@refused("slice_step2")
def _():
    return slice_case(13, [0], [6], [3], [2]).model, "step"


@refused("resize_bilinear_asymmetric")
def _():
    return resize_case(13, "linear", scales=[1, 1, 2, 2], coordinate_transformation_mode="asymmetric").model, "asymmetric"


@refused("resize_tf_crop_and_resize")
def _():
    return resize_case(13, "linear", sizes=[1, 2, 8, 10], coordinate_transformation_mode="tf_crop_and_resize").model, "tf_crop_and_resize"


@refused("resize_nearest_asym_round_scale3")
def _():
    return resize_case(13, "nearest", scales=[1, 1, 3, 3], coordinate_transformation_mode="asymmetric").model, "nearest"


@refused("upsample_linear_opset9")
def _():
    m = make_model([node("Upsample", ["x", "sc"], ["y"], mode="linear")], {"x": [1, 2, 3, 4]}, ["y"], {"sc": f32(1, 1, 2, 2)}, opset=9)
    return m, "asymmetric"


@refused("conv_dynamic_weights")
def _():
    m = make_model([node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3])], {"x": X4, "w": [6, 4, 3, 3]}, ["y"])
    return m, "not constant"


@refused("pad_batch_axis")
def _():
    return pad_case("constant", [1, 0, 0, 0, 0, 0, 0, 0]).model, "batch"


@refused("softmax_batch_axis")
def _():
    return single("Softmax", [1, 5], axis=0), "batch"


@refused("avgpool_ceil_count_include_pad")
def _():
    return single("AveragePool", [1, 2, 8, 8], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1, count_include_pad=1, pads=[1, 1, 1, 1]), "count_include_pad"


@refused("gemm_transA")
def _():
    return make_model([node("Gemm", ["x", "W"], ["y"], transA=1)], {"x": [5, 1]}, ["y"], {"W": Rand(30)(5, 3)}), "transA"


@refused("reshape_merges_batch")
def _():
    return single("Reshape", X4, inits={"s": i64(2, 72)}, extra_inputs=["s"]), "batch"


@refused("unsupported_op")
def _():
    return single("Erf", X4), "Erf"


@refused("pad_axes_opset18")
def _():
    m = make_model([node("Pad", ["x", "p", "", "ax"], ["y"])], {"x": X4}, ["y"], {"p": i64(1, 1), "ax": i64(2)}, opset=18)
    return m, "axes"


@refused("resize_cubic_coeff")
def _():
    return resize_case(13, "cubic", scales=[1, 1, 2, 2], cubic_coeff_a=-0.5).model, "cubic_coeff_a"


@refused("conv3d")
def _():
    m = make_model([node("Conv", ["x", "W"], ["y"], kernel_shape=[1, 1, 1])], {"x": [1, 2, 3, 3, 3]}, ["y"], {"W": Rand(31)(2, 2, 1, 1, 1)})
    return m, "2-D"


@refused("pad_negative")
def _():
    return pad_case("constant", [0, 0, -1, 0, 0, 0, 0, -1]).model, "negative"


@refused("concat_batch_axis")
def _():
    return concat_case(0, [[1, 2, 3, 3], [1, 2, 3, 3]]).model, "batch"


@refused("slice_batch_axis")
def _():
    return slice_case(13, [1], [2], [0], x=(2, 3, 4, 4)).model, "batch"


@refused("gather_batch_axis")
def _():
    return gather_case(0, np.array(0, np.int64)).model, "batch"


@refused("flatten_axis2_merges_batch")
def _():
    return single("Flatten", X4, axis=2), "batch"


@refused("maxpool_dilated")
def _():
    return single("MaxPool", [1, 2, 7, 7], kernel_shape=[2, 2], dilations=[2, 2]), "dilated"


@refused("cast_activation_to_int")
def _():
    m = make_model([node("Cast", ["x"], ["c"], to=onnx.TensorProto.INT64), node("Cast", ["c"], ["y"], to=onnx.TensorProto.FLOAT)], {"x": X4}, ["y"])
    return m, "Cast"


# --------------------------------------------------------------------------- tests

def default_feeds(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    init = {t.name for t in model.graph.initializer}
    return {i.name: rng.standard_normal([d.dim_value or 1 for d in i.type.tensor_type.shape.dim]).astype(np.float32)
            for i in model.graph.input if i.name not in init}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> tuple[Path, dict[str, str | None], dict[str, str | None]]:
    """Every case built and converted up front (one converter process), then run in ncnn
    (one worker process, restarted if a model crashes it)."""
    d = tmp_path_factory.mktemp("ops")
    jobs, cases = [], {name: build() for name, build in CASES.items()}
    for name, c in cases.items():
        jobs.append({"name": name, "onnx": str(save(c.model, d, name)), "prefix": str(d / name), "fp16": c.fp16})
    conversion = convert_batch(jobs, d, ROOT)
    runs = []
    for name, c in cases.items():
        if conversion[name] is not None:
            continue
        np.savez(d / f"{name}.feeds.npz", **(c.feeds or default_feeds(c.model)))
        runs.append({"name": name, "param": str(d / f"{name}.param"), "bin": str(d / f"{name}.bin"), "feeds": str(d / f"{name}.feeds.npz"),
                     "outputs": [o.name for o in c.model.graph.output], "fp16": c.fp16, "result": str(d / f"{name}.ncnn.npz")})
    return d, conversion, run_ncnn_batch(runs, d)


@pytest.mark.parametrize("name", sorted(CASES))
def test_op(name: str, converted):
    d, conversion, ncnn_runs = converted
    assert conversion[name] is None, f"conversion failed: {conversion[name]}"
    assert ncnn_runs[name] is None, f"ncnn run failed: {ncnn_runs[name]}"
    c = CASES[name]()
    onnx_path, param = d / f"{name}.onnx", d / f"{name}.param"
    feeds = dict(np.load(d / f"{name}.feeds.npz"))
    gots = list(np.load(d / f"{name}.ncnn.npz").values())
    names = [o.name for o in c.model.graph.output]
    refs = run_ort(onnx_path, feeds)
    for n, got, ref in zip(names, gots, refs):
        ref1 = ref[0] if ref.ndim >= 2 else ref
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


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused(name: str, tmp_path: Path):
    """Through the CLI: exit 1, an error naming the problem, no stack trace, no files."""
    model, must_say = REFUSED[name]()
    path = save(model, tmp_path, name)
    r = edgeface("convert", str(path), "-o", str(tmp_path / "out"), check=False)
    msg = r.stdout + r.stderr
    assert r.returncode == 1, f"expected a refusal (exit 1), got {r.returncode}:\n{msg}"
    assert must_say.lower() in msg.lower(), f"error does not mention '{must_say}':\n{msg}"
    assert "    at " not in msg, f"stack trace printed:\n{msg}"
    assert not list(tmp_path.glob("out*")), "files written despite the error"


def test_cli_convert_matches(tmp_path: Path):
    """One case end to end through the CLI and the shared check_model helper (--fp16 too)."""
    c = CASES["conv_plain"]()
    path = save(c.model, tmp_path, "conv_plain")
    check_model(path, tmp_path)
    check_model(path, tmp_path, fp16=True, min_cos=0.999, max_rel=1e-2)
