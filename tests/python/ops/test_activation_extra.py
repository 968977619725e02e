"""src/ops/{gelu,erf,softplus,selu,celu}.ts: the activations transformers and the pnnx
suite use, each to its own ncnn layer."""
from __future__ import annotations

from onnx_graphs import make_model, node, single
from op_suite import X4, Case, Family

ops = Family()
case = ops.case

case("gelu_exact")(lambda: Case(single("Gelu", X4, opset=20), has=("GELU",)))
case("gelu_tanh")(lambda: Case(single("Gelu", [1, 6, 8], opset=20, approximate="tanh"), has=("GELU",)))
case("erf")(lambda: Case(single("Erf", X4), has=("Erf",)))
case("softplus")(lambda: Case(single("Softplus", X4), has=("Softplus",)))
case("selu_default")(lambda: Case(single("Selu", X4), has=("SELU",)))
case("selu_custom")(lambda: Case(single("Selu", [1, 5, 7], alpha=1.3, gamma=0.8), has=("SELU",)))
case("celu")(lambda: Case(single("Celu", X4, opset=13, alpha=0.7), has=("CELU",)))


@case("gelu_erf_spelling")
def _():
    # What torch exports for nn.GELU() before opset 20: x * 0.5 * (1 + erf(x / sqrt(2))).
    import numpy as np
    nodes = [
        node("Div", ["x", "r2"], ["d"]), node("Erf", ["d"], ["e"]), node("Add", ["e", "one"], ["a"]),
        node("Mul", ["x", "a"], ["m"]), node("Mul", ["m", "half"], ["y"]),
    ]
    inits = {"r2": np.array(2 ** 0.5, np.float32), "one": np.array(1, np.float32), "half": np.array(0.5, np.float32)}
    return Case(make_model(nodes, {"x": [1, 6, 8]}, ["y"], inits), has=("Erf",))


test_op = ops.test_op()
