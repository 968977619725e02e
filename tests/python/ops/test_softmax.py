"""src/ops/softmax.ts: Softmax across opsets and axes."""
from __future__ import annotations

from onnx_graphs import single
from op_suite import Case, Family, X4

ops = Family()
case, refused = ops.case, ops.refused


case("softmax_opset13_channels")(lambda: Case(single("Softmax", X4, axis=1)))
case("softmax_opset13_last")(lambda: Case(single("Softmax", X4)))
case("softmax_opset13_height")(lambda: Case(single("Softmax", X4, axis=2)))
case("softmax_opset13_3d")(lambda: Case(single("Softmax", [1, 3, 5], axis=1)))
case("softmax_opset11_2d")(lambda: Case(single("Softmax", [1, 10], opset=11)))
case("softmax_opset11_3d_last")(lambda: Case(single("Softmax", [1, 3, 5], opset=11, axis=2)))
case("softmax_opset11_4d_axis1_flattens")(lambda: Case(single("Softmax", X4, opset=11, axis=1)))
case("softmax_opset11_4d_axis2_flattens")(lambda: Case(single("Softmax", X4, opset=11, axis=2)))


@refused("softmax_batch_axis")
def _():
    return single("Softmax", [1, 5], axis=0), "batch"


test_op = ops.test_op()
test_refused = ops.test_refused()
