"""src/ops/identity.ts: Identity and Dropout removed."""
from __future__ import annotations

import numpy as np

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


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


test_op = ops.test_op()
