"""src/ops/squeeze.ts: Squeeze and Unsqueeze, axes as attribute and as input."""
from __future__ import annotations

from onnx_graphs import i64, make_model, node, single
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


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


test_op = ops.test_op()
