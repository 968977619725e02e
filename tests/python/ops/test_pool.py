"""src/ops/pool.ts: MaxPool, AveragePool and the global poolings."""
from __future__ import annotations

from onnx_graphs import Rand, make_model, node, single
from op_suite import Case, Family, X4

ops = Family()
case, refused = ops.case, ops.refused


POOL_VARIANTS = {
    "maxpool_k3s2p1": ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), (7, 7)),
    "maxpool_k2s2": ("MaxPool", dict(kernel_shape=[2, 2], strides=[2, 2]), (6, 6)),
    "maxpool_ceil": ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), (8, 8)),
    "maxpool_asym_pads": ("MaxPool", dict(kernel_shape=[2, 3], strides=[1, 2], pads=[0, 1, 1, 0]), (6, 7)),
    "maxpool_same_upper": ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"), (7, 7)),
    "avgpool_pads_exclude": ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]), (7, 7)),
    "avgpool_pads_include": ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1), (7, 7)),
    "avgpool_ceil_exclude": ("AveragePool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), (8, 8)),
    "avgpool_ceil_pads_exclude": ("AveragePool", dict(kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1), (6, 6)),
    "avgpool_k2s2": ("AveragePool", dict(kernel_shape=[2, 2], strides=[2, 2]), (6, 6)),
    # ceil_mode windows that would start in the end padding are dropped (4x4 -> 2x2, not 3x3)
    "maxpool_ceil_drops_window_in_padding": ("MaxPool", dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1], ceil_mode=1), (4, 4)),
    "avgpool_ceil_drops_window_in_padding": ("AveragePool", dict(kernel_shape=[3, 3], strides=[3, 3], pads=[1, 1, 1, 1], ceil_mode=1), (5, 5)),
}


for _n, (_op, _attrs, _hw) in POOL_VARIANTS.items():
    case(_n)(lambda op=_op, a=_attrs, hw=_hw: Case(single(op, [1, 3, *hw], **a), has=("Pooling",)))


for _gop in ("GlobalAveragePool", "GlobalMaxPool"):
    _g = _gop.lower()
    case(f"{_g}_output")(lambda op=_gop: Case(single(op, X4)))

    @case(f"{_g}_flatten_gemm")
    def _(op=_gop):
        m = make_model(
            [node(op, ["x"], ["p"]), node("Flatten", ["p"], ["f"]), node("Gemm", ["f", "W"], ["y"], transB=1)],
            {"x": X4}, ["y"], {"W": Rand(25)(3, 4)},
        )
        return Case(m, lacks=("Flatten",))

    @case(f"{_g}_then_mul")
    def _(op=_gop):
        m = make_model([node(op, ["x"], ["p"]), node("Mul", ["x", "p"], ["y"])], {"x": X4}, ["y"])
        return Case(m)


@refused("avgpool_ceil_count_include_pad")
def _():
    return single("AveragePool", [1, 2, 8, 8], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1, count_include_pad=1, pads=[1, 1, 1, 1]), "count_include_pad"


@refused("maxpool_dilated")
def _():
    return single("MaxPool", [1, 2, 7, 7], kernel_shape=[2, 2], dilations=[2, 2]), "dilated"


test_op = ops.test_op()
test_refused = ops.test_refused()
