"""src/ops/split.ts: Split -> Slice across opsets."""
from __future__ import annotations

from onnx_graphs import i64, make_model, node
from op_suite import Case, Family

ops = Family()
case = ops.case


def split_case(opset: int, axis: int, n_out: int, sizes: list[int] | None, x=(1, 6, 4, 5), **attrs) -> Case:
    outs = [f"y{i}" for i in range(n_out)]
    ins = ["x"]
    inits = {}
    if sizes is not None and opset >= 13:
        ins.append("split")
        inits["split"] = i64(*sizes)
    elif sizes is not None:
        attrs["split"] = sizes
    # Follow each part with a distinct op so every output is a separate blob in ncnn too.
    m = make_model([node("Split", ins, outs, axis=axis, **attrs)], {"x": list(x)}, outs, inits, opset)
    return Case(m, has=("Slice",))


case("split_equal_opset11")(lambda: split_case(11, 1, 3, None))
case("split_sizes_attr_opset11")(lambda: split_case(11, 1, 2, [2, 4]))
case("split_sizes_input_opset13")(lambda: split_case(13, 1, 3, [1, 2, 3]))
case("split_sizes_input_opset17")(lambda: split_case(17, 1, 2, [5, 1]))
case("split_height_opset13")(lambda: split_case(13, 2, 2, [3, 1]))
case("split_width_negative_axis")(lambda: split_case(13, -1, 2, None, x=(1, 2, 3, 6)))
case("split_num_outputs_opset18_uneven")(lambda: split_case(18, 1, 4, None, x=(1, 7, 2, 2), num_outputs=4))


test_op = ops.test_op()
