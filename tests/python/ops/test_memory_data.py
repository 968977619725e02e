"""src/ops/memory-data.ts: Constant nodes as operands."""
from __future__ import annotations

import onnx

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


@case("constant_node_operand")
def _():
    t = onnx.numpy_helper.from_array(Rand(26)(1, 4, 1, 1), "c")
    m = make_model([node("Constant", [], ["c"], value=t), node("Mul", ["x", "c"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


@case("constant_scalar_value_float_opset13")
def _():
    m = make_model([node("Constant", [], ["c"], value_float=2.5), node("Add", ["x", "c"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


test_op = ops.test_op()
