"""src/ops/log-softmax.ts: LogSoftmax -> Softmax + UnaryOp log."""
from __future__ import annotations

from onnx_graphs import single
from op_suite import Case, Family

ops = Family()
ops.case("log_softmax_last")(lambda: Case(single("LogSoftmax", [1, 5, 7], axis=-1), has=("Softmax", "UnaryOp")))
ops.case("log_softmax_channels")(lambda: Case(single("LogSoftmax", [1, 4, 3, 3], axis=1)))
ops.case("log_softmax_opset11_last")(lambda: Case(single("LogSoftmax", [1, 10], opset=11, axis=1)))


@ops.refused("log_softmax_opset11_flattening")
def _():
    return single("LogSoftmax", [1, 4, 3, 3], opset=11, axis=1), "opset 13"


test_op = ops.test_op()
test_refused = ops.test_refused()
