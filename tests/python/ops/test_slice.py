"""src/ops/slice.ts: Slice -> Crop across opsets."""
from __future__ import annotations

from onnx_graphs import i64, make_model, node
from op_suite import Case, Family

ops = Family()
case, refused = ops.case, ops.refused


def slice_case(opset: int, starts, ends, axes=None, steps=None, x=(1, 6, 7, 8)) -> Case:
    if opset < 10:
        attrs = {"starts": starts, "ends": ends, **({"axes": axes} if axes is not None else {})}
        m = make_model([node("Slice", ["x"], ["y"], **attrs)], {"x": list(x)}, ["y"], opset=opset)
    else:
        inits = {"st": i64(*starts), "en": i64(*ends)}
        ins = ["x", "st", "en"]
        if axes is not None:
            inits["ax"] = i64(*axes)
            ins.append("ax")
        if steps is not None:
            inits["sp"] = i64(*steps)
            ins.append("sp")
        m = make_model([node("Slice", ins, ["y"])], {"x": list(x)}, ["y"], inits, opset)
    return Case(m, has=("Crop",))


INT64_MAX = 2**63 - 1
case("slice_opset9_attrs_channels")(lambda: slice_case(9, [1], [4], [1]))
case("slice_opset9_no_axes")(lambda: slice_case(9, [0, 2, 1], [1, 5, 3]))
case("slice_opset11_spatial")(lambda: slice_case(11, [1, 2], [5, 7], [2, 3]))
case("slice_opset13_negative")(lambda: slice_case(13, [-3, -5], [-1, INT64_MAX], [1, -1]))
case("slice_opset13_steps_one")(lambda: slice_case(13, [0], [3], [2], [1]))
case("slice_opset13_end_clamped")(lambda: slice_case(13, [2], [100], [3]))
case("slice_3d")(lambda: slice_case(13, [1], [3], [2], x=(1, 4, 5)))
case("slice_2d")(lambda: slice_case(13, [2], [7], [1], x=(1, 9)))


@refused("slice_step2")
def _():
    return slice_case(13, [0], [6], [3], [2]).model, "step"


@refused("slice_batch_axis")
def _():
    return slice_case(13, [1], [2], [0], x=(2, 3, 4, 4)).model, "batch"


test_op = ops.test_op()
test_refused = ops.test_refused()
