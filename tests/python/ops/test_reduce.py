"""src/ops/reduce.ts: ReduceMean/L2/Sum/LogSumExp/Max -> Reduction."""
from __future__ import annotations

from onnx_graphs import i64, make_model, node
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


def reduce_case(op: str, axes: list[int] | None, keepdims: int, opset: int, x=X4) -> Case:
    attrs = {"keepdims": keepdims}
    inits = {}
    ins = ["x"]
    if axes is not None and opset >= 18:
        inits["ax"] = i64(*axes)
        ins.append("ax")
    elif axes is not None:
        attrs["axes"] = axes
    return Case(make_model([node(op, ins, ["y"], **attrs)], {"x": list(x)}, ["y"], inits, opset), has=("Reduction",))


for _op in ("ReduceMean", "ReduceL2"):
    _p = _op.lower()
    case(f"{_p}_spatial_keep_opset13")(lambda op=_op: reduce_case(op, [2, 3], 1, 13))
    case(f"{_p}_spatial_drop_opset13")(lambda op=_op: reduce_case(op, [2, 3], 0, 13))
    case(f"{_p}_channels_keep_opset11")(lambda op=_op: reduce_case(op, [1], 1, 11))
    case(f"{_p}_channels_drop_opset11")(lambda op=_op: reduce_case(op, [1], 0, 11))
    case(f"{_p}_spatial_keep_opset17_attr")(lambda op=_op: reduce_case(op, [2, 3], 1, 17))
    case(f"{_p}_last_negative_opset18_input")(lambda op=_op: reduce_case(op, [-1], 1, 18))
    case(f"{_p}_spatial_drop_opset18_input")(lambda op=_op: reduce_case(op, [2, 3], 0, 18))
    case(f"{_p}_2d_drop")(lambda op=_op: reduce_case(op, [1], 0, 13, x=[1, 7]))
    case(f"{_p}_3d_channels_keep")(lambda op=_op: reduce_case(op, [1], 1, 13, x=[1, 3, 5]))
    case(f"{_p}_all_but_batch_keep")(lambda op=_op: reduce_case(op, [1, 2, 3], 1, 13))


case("reducesum_opset13_axes_input")(lambda: Case(
    make_model([node("ReduceSum", ["x", "ax"], ["y"], keepdims=1)], {"x": X4}, ["y"], {"ax": i64(2, 3)}), has=("Reduction",)))


case("reducelogsumexp_channels")(lambda: reduce_case("ReduceLogSumExp", [1], 1, 13))
case("reducemax_spatial")(lambda: reduce_case("ReduceMax", [2, 3], 0, 13))


test_op = ops.test_op()
