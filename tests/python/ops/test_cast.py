"""src/ops/cast.ts: Cast: float to float removed, to integers refused."""
from __future__ import annotations

import onnx

from onnx_graphs import make_model, node
from op_suite import Case, Family, X4

ops = Family()
case, refused = ops.case, ops.refused


@case("cast_float_to_float_removed")
def _():
    m = make_model([node("Cast", ["x"], ["c"], to=onnx.TensorProto.FLOAT), node("Relu", ["c"], ["y"])], {"x": X4}, ["y"])
    return Case(m)


@refused("cast_activation_to_int")
def _():
    m = make_model([node("Cast", ["x"], ["c"], to=onnx.TensorProto.INT64), node("Cast", ["c"], ["y"], to=onnx.TensorProto.FLOAT)], {"x": X4}, ["y"])
    return m, "Cast"


test_op = ops.test_op()
test_refused = ops.test_refused()
