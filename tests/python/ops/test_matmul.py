"""src/ops/matmul.ts: MatMul with a constant or an activation second operand."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family

ops = Family()
case = ops.case


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


test_op = ops.test_op()
