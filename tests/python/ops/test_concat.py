"""src/ops/concat.ts: Concat along channels, height, width, with constants."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case, refused = ops.case, ops.refused


def concat_case(axis: int, shapes: list[list[int]]) -> Case:
    names = [f"x{i}" for i in range(len(shapes))]
    m = make_model([node("Concat", names, ["y"], axis=axis)], dict(zip(names, shapes)), ["y"])
    return Case(m)


case("concat_channels")(lambda: concat_case(1, [[1, 2, 4, 4], [1, 3, 4, 4], [1, 1, 4, 4]]))
case("concat_height")(lambda: concat_case(2, [[1, 2, 3, 4], [1, 2, 5, 4]]))
case("concat_width_negative_axis")(lambda: concat_case(-1, [[1, 2, 4, 3], [1, 2, 4, 2]]))
case("concat_3d_last")(lambda: concat_case(2, [[1, 3, 4], [1, 3, 2]]))
case("concat_2d")(lambda: concat_case(1, [[1, 4], [1, 6]]))


@case("concat_with_constant")
def _():
    m = make_model([node("Concat", ["x", "c"], ["y"], axis=1)], {"x": X4}, ["y"], {"c": Rand(24)(1, 2, 6, 6)})
    return Case(m)


test_op = ops.test_op()
test_refused = ops.test_refused()
