"""src/ops/binary.ts: Add/Sub/Mul/Div/Max/Min/Pow against tensors, constants and scalars, with broadcasting."""
from __future__ import annotations

import numpy as np

from onnx_graphs import Rand, f32, i64, make_model, node
from op_suite import Case, Family, X4, feeds_of, positive

ops = Family()
case = ops.case


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


test_op = ops.test_op()
