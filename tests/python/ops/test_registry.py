"""src/ops/registry.ts: Ops with no mapping are refused by name."""
from __future__ import annotations

from onnx_graphs import single
from op_suite import Family, X4

ops = Family()
refused = ops.refused


@refused("unsupported_op")
def _():
    return single("Hardmax", X4), "Hardmax"


test_refused = ops.test_refused()
