"""src/ops/instance-norm.ts and group-norm.ts: InstanceNormalization -> InstanceNorm,
GroupNormalization -> GroupNorm, for 1-D, 2-D and 3-D feature maps."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node
from op_suite import Case, Family

ops = Family()


def instance(shape):
    def build():
        r, c = Rand(11), shape[1]
        m = make_model([node("InstanceNormalization", ["x", "s", "b"], ["y"], epsilon=1e-4)], {"x": shape}, ["y"], {"s": r(c, positive=True), "b": r(c)})
        return Case(m, has=("InstanceNorm",))
    return build


def group(shape, groups, per_group, opset):
    def build():
        r, c = Rand(12), shape[1]
        n = groups if per_group else c
        m = make_model([node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=groups, epsilon=1e-5)], {"x": shape}, ["y"],
                       {"s": r(n, positive=True), "b": r(n)}, opset=opset)
        return Case(m, has=("GroupNorm",))
    return build


ops.case("instance_norm_2d")(instance([1, 4, 5, 6]))
ops.case("instance_norm_1d")(instance([1, 3, 10]))
ops.case("instance_norm_3d")(instance([1, 2, 3, 4, 5]))
ops.case("group_norm_opset18_per_group")(group([1, 6, 4, 4], 3, True, 18))
ops.case("group_norm_opset21_per_channel")(group([1, 8, 5, 3], 2, False, 21))

test_op = ops.test_op()
