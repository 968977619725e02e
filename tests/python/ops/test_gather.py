"""src/ops/gather.ts: Gather of constant indices."""
from __future__ import annotations

import numpy as np

from onnx_graphs import i64, single
from op_suite import Case, Family

ops = Family()
case, refused = ops.case, ops.refused


def gather_case(axis: int, index: np.ndarray, x=(1, 5, 4, 6)) -> Case:
    return Case(single("Gather", list(x), inits={"i": index}, extra_inputs=["i"], axis=axis))


case("gather_scalar_channel")(lambda: gather_case(1, np.array(2, np.int64)))
case("gather_scalar_negative_width")(lambda: gather_case(3, np.array(-1, np.int64)))
case("gather_range_height")(lambda: gather_case(2, i64(1, 2)))
case("gather_scalar_2d")(lambda: gather_case(1, np.array(3, np.int64), x=(1, 7)))
case("gather_list_noncontiguous_channels")(lambda: gather_case(1, i64(3, 0, 4)))


test_op = ops.test_op()
test_refused = ops.test_refused()
