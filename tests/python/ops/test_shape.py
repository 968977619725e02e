"""src/ops/shape.ts: Shape folded into a constant reshape target."""
from __future__ import annotations

from onnx_graphs import i64, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


@case("shape_slice_concat_reshape_target")
def _():
    """Reshape to Shape(x)[0:2] ++ [-1]: Shape, Slice and Concat of constants folded."""
    m = make_model(
        [node("Shape", ["x"], ["s"]), node("Slice", ["s", "st", "en"], ["s2"]), node("Concat", ["s2", "m1"], ["t"], axis=0),
         node("Reshape", ["x", "t"], ["y"])],
        {"x": X4}, ["y"], {"st": i64(0), "en": i64(2), "m1": i64(-1)},
    )
    return Case(m, lacks=("Crop", "Concat"))


test_op = ops.test_op()
