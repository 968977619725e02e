"""src/ops/shape-math.ts: ConstantOfShape, Range and Expand."""
from __future__ import annotations

import numpy as np
import onnx

from onnx_graphs import i64, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


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


test_op = ops.test_op()
