"""src/ops/prelu.ts: PRelu: per-channel and scalar slopes."""
from __future__ import annotations

from onnx_graphs import Rand, single
from op_suite import Case, Family, X4

ops = Family()
case = ops.case


for _n, _slope in {
    "per_channel_c11": lambda r: r(4, 1, 1),
    "per_channel_1c11": lambda r: r(1, 4, 1, 1),
    "scalar": lambda r: r(1),
}.items():
    case(f"prelu_{_n}")(lambda s=_slope: Case(single("PRelu", X4, inits={"s": s(Rand(10))}, extra_inputs=["s"])))


@case("prelu_2d_per_channel")
def _():
    return Case(single("PRelu", [1, 6], inits={"s": Rand(11)(6)}, extra_inputs=["s"]))


test_op = ops.test_op()
