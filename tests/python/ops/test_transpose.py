"""src/ops/transpose.ts: Transpose -> Permute."""
from __future__ import annotations

from onnx_graphs import single
from op_suite import Case, Family

ops = Family()
case, refused = ops.case, ops.refused


for _perm in ([0, 1, 3, 2], [0, 2, 1, 3], [0, 2, 3, 1], [0, 3, 1, 2], [0, 3, 2, 1], [0, 1, 2, 3]):
    case("transpose_4d_" + "".join(map(str, _perm)))(
        lambda p=_perm: Case(single("Transpose", [1, 2, 3, 4], perm=p))
    )


case("transpose_3d_021")(lambda: Case(single("Transpose", [1, 3, 5], perm=[0, 2, 1])))
case("transpose_2d_identity")(lambda: Case(single("Transpose", [1, 5], perm=[0, 1])))


test_op = ops.test_op()
test_refused = ops.test_refused()
