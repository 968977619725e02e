"""src/ops/gemm.ts: Gemm -> InnerProduct: transB, bias shapes, alpha/beta, fp16."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family

ops = Family()
case, refused = ops.case, ops.refused


def gemm_case(trans_b: int, bias_shape: tuple | None, alpha=1.0, beta=1.0, opset=13) -> Case:
    r = Rand(19)
    k, n = 12, 5
    inits = {"W": r(n, k) if trans_b else r(k, n)}
    ins = ["x", "W"]
    if bias_shape is not None:
        inits["C"] = r(*bias_shape)
        ins.append("C")
    m = make_model([node("Gemm", ins, ["y"], transB=trans_b, alpha=alpha, beta=beta)], {"x": [1, k]}, ["y"], inits, opset)
    return Case(m, has=("InnerProduct",))


case("gemm_transb1_bias")(lambda: gemm_case(1, (5,)))
case("gemm_transb0_bias")(lambda: gemm_case(0, (5,)))
case("gemm_transb0_no_bias")(lambda: gemm_case(0, None))
case("gemm_alpha_beta")(lambda: gemm_case(1, (5,), alpha=0.7, beta=-1.3))
case("gemm_bias_1n")(lambda: gemm_case(1, (1, 5), beta=0.5))
case("gemm_scalar_bias_opset11")(lambda: gemm_case(0, (1,), alpha=2.0, opset=11))


@case("gemm_fp16")
def _():
    c = gemm_case(1, (5,))
    c.fp16, c.min_cos, c.max_rel = True, 0.999, 1e-2
    return c


@refused("gemm_transA")
def _():
    return make_model([node("Gemm", ["x", "W"], ["y"], transA=1)], {"x": [5, 1]}, ["y"], {"W": Rand(30)(5, 3)}), "transA"


test_op = ops.test_op()
test_refused = ops.test_refused()
