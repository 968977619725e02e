"""src/ops/reshape.ts: Flatten and Reshape, including the x.view(x.size(0), -1) chain."""
from __future__ import annotations

import onnx

from onnx_graphs import Rand, i64, make_model, node, single
from op_suite import Case, Family, X4, view_chain

ops = Family()
case, refused = ops.case, ops.refused


@case("flatten_after_conv")
def _():
    r = Rand(22)
    m = make_model(
        [node("Conv", ["x", "W"], ["c"], kernel_shape=[3, 3]), node("Flatten", ["c"], ["f"]), node("Gemm", ["f", "G"], ["y"], transB=1)],
        {"x": X4}, ["y"], {"W": r(3, 4, 3, 3), "G": r(5, 48)},
    )
    return Case(m)


case("flatten_output")(lambda: Case(single("Flatten", X4, axis=1)))
case("reshape_to_3d")(lambda: Case(single("Reshape", X4, inits={"s": i64(1, 4, 36)}, extra_inputs=["s"])))
case("reshape_to_2d")(lambda: Case(single("Reshape", X4, inits={"s": i64(1, -1)}, extra_inputs=["s"])))
case("reshape_zero_copy")(lambda: Case(single("Reshape", X4, inits={"s": i64(0, 0, 3, 12)}, extra_inputs=["s"])))
case("reshape_split_channels")(lambda: Case(single("Reshape", X4, inits={"s": i64(1, 2, 2, 36)}, extra_inputs=["s"])))
case("reshape_3d_to_4d")(lambda: Case(single("Reshape", [1, 4, 36], inits={"s": i64(1, 4, 6, 6)}, extra_inputs=["s"])))
case("reshape_view_chain_opset11")(lambda: view_chain(11))
case("reshape_view_chain_opset13")(lambda: view_chain(13))


@case("globalaveragepool_view_chain_gemm")
def _():
    """avgpool -> x.view(x.size(0), -1) -> Linear: the Reshape goes with the pooling's flat output."""
    c = view_chain(13)
    g = c.model.graph
    g.node.insert(0, node("GlobalAveragePool", ["x"], ["p"]))
    for n in g.node[1:]:
        n.input[:] = ["p" if i == "x" else i for i in n.input]
    g.initializer[2].CopyFrom(onnx.numpy_helper.from_array(Rand(32)(5, 4), "W"))
    onnx.checker.check_model(c.model)
    return Case(c.model, lacks=("Reshape", "Flatten"))


@case("reshape_view_chain_dynamic_batch")
def _():
    c = view_chain(13)
    c.model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "N"
    return c


test_op = ops.test_op()
test_refused = ops.test_refused()
