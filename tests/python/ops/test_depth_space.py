"""src/ops/depth-to-space.ts and space-to-depth.ts: PixelShuffle and Reorg."""
from __future__ import annotations

from onnx_graphs import single
from op_suite import Case, Family

ops = Family()
ops.case("depth_to_space_dcr")(lambda: Case(single("DepthToSpace", [1, 8, 3, 4], blocksize=2), has=("PixelShuffle",)))
ops.case("depth_to_space_crd")(lambda: Case(single("DepthToSpace", [1, 18, 2, 3], blocksize=3, mode="CRD"), has=("PixelShuffle",)))
ops.case("space_to_depth")(lambda: Case(single("SpaceToDepth", [1, 3, 4, 6], blocksize=2), has=("Reorg",)))

test_op = ops.test_op()
