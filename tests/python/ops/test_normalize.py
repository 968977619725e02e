"""src/ops/normalize.ts: F.normalize and LpNormalization -> Normalize."""
from __future__ import annotations

import numpy as np
import onnx

from onnx_graphs import i64, make_model, node, single
from op_suite import Case, Family, X4, view_chain

ops = Family()
case = ops.case


def l2norm_case(opset: int, rank4: bool = False) -> Case:
    """F.normalize(x, dim=1) as torch exports it: ReduceL2 -> Clip(min=eps) -> Expand(Shape(x)) -> Div."""
    inits: dict[str, np.ndarray] = {}
    red_ins, red_attrs = ["x"], {"keepdims": 1}
    if opset >= 18:
        inits["ax"] = i64(1)
        red_ins.append("ax")
    else:
        red_attrs["axes"] = [1]
    if opset >= 11:
        inits["eps"] = np.array(1e-12, np.float32)
        clip = node("Clip", ["n", "eps"], ["nc"])
    else:
        clip = node("Clip", ["n"], ["nc"], min=1e-12)
    nodes = [node("ReduceL2", red_ins, ["n"], **red_attrs), clip, node("Shape", ["x"], ["s"]), node("Expand", ["nc", "s"], ["e"]), node("Div", ["x", "e"], ["y"])]
    x = X4 if rank4 else [1, 16]
    return Case(make_model(nodes, {"x": x}, ["y"], inits, opset), has=("Normalize",), lacks=("Reduction", "BinaryOp", "Clip"))


case("l2normalize_opset9_clip_attr")(lambda: l2norm_case(9))
case("l2normalize_opset11")(lambda: l2norm_case(11))
case("l2normalize_opset13")(lambda: l2norm_case(13))
case("l2normalize_opset17")(lambda: l2norm_case(17))
case("l2normalize_opset18_axes_input")(lambda: l2norm_case(18))
case("l2normalize_4d_channels")(lambda: l2norm_case(13, rank4=True))
case("lpnormalization_2d")(lambda: Case(single("LpNormalization", [1, 16], axis=1, p=2), has=("Normalize",)))
case("lpnormalization_4d_channels")(lambda: Case(single("LpNormalization", X4, axis=1, p=2), has=("Normalize",)))


@case("l2normalize_rank3_decomposed")
def _():
    """F.normalize over the channels of [1, C, L]: no ncnn Normalize mode fits a 2-D blob, so
    the pattern stays ReduceL2 + Clip + Expand (BinaryOp with zeros) + Div."""
    c = l2norm_case(13)
    c.model.graph.input[0].type.tensor_type.shape.dim.add().dim_value = 3
    c.has, c.lacks = ("Reduction",), ("Normalize",)
    return c


@case("l2normalize_after_view_and_linear")
def _():
    """The arcface-pytorch head: x.view(x.size(0), -1) -> Linear -> F.normalize."""
    c = view_chain(13)
    g = c.model.graph
    g.node[-1].output[0] = "emb"
    g.initializer.append(onnx.numpy_helper.from_array(i64(1), "ax1"))
    g.initializer.append(onnx.numpy_helper.from_array(np.array(1e-12, np.float32), "eps"))
    g.node.extend([
        node("ReduceL2", ["emb"], ["n"], axes=[1], keepdims=1), node("Clip", ["n", "eps"], ["nc"]),
        node("Shape", ["emb"], ["s2"]), node("Expand", ["nc", "s2"], ["e"]), node("Div", ["emb", "e"], ["y"]),
    ])
    onnx.checker.check_model(c.model)
    return Case(c.model, has=("Normalize", "InnerProduct"), lacks=("Reduction", "BinaryOp"))


test_op = ops.test_op()
