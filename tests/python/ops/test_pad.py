"""src/ops/pad.ts: Pad -> Padding: constant, reflect, edge."""
from __future__ import annotations

import numpy as np

from onnx_graphs import i64, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case, refused = ops.case, ops.refused


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


@refused("pad_batch_axis")
def _():
    return pad_case("constant", [1, 0, 0, 0, 0, 0, 0, 0]).model, "batch"


@refused("pad_axes_opset18")
def _():
    m = make_model([node("Pad", ["x", "p", "", "ax"], ["y"])], {"x": X4}, ["y"], {"p": i64(1, 1), "ax": i64(2)}, opset=18)
    return m, "axes"


@refused("pad_negative")
def _():
    return pad_case("constant", [0, 0, -1, 0, 0, 0, 0, -1]).model, "negative"


test_op = ops.test_op()
test_refused = ops.test_refused()
