"""src/passes/fuse-matmul-bias.ts + ops/matmul.ts: nn.Linear on token sequences
([1, T, K] or [1, A, T, K] x const [K, N] + const bias) -> one ncnn Gemm (constant B and C)."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family

ops = Family()


def linear(x_shape, k, n, bias_first=False):
    def build():
        r = Rand(k * n)
        add_in = ["b", "h"] if bias_first else ["h", "b"]
        nodes = [node("MatMul", ["x", "W"], ["h"]), node("Add", add_in, ["y"])]
        return Case(make_model(nodes, {"x": x_shape}, ["y"], {"W": r(k, n), "b": r(n)}), has=("Gemm",), lacks=("BinaryOp", "InnerProduct"))
    return build


ops.case("linear_tokens_3d")(linear([1, 6, 8], 8, 5))
ops.case("linear_tokens_3d_bias_first")(linear([1, 7, 4], 4, 9, bias_first=True))
ops.case("linear_tokens_4d_rows")(linear([1, 2, 3, 8], 8, 6))

test_op = ops.test_op()
