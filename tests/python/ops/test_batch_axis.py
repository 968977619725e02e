"""The batch axis tracked per value: graphs that squeeze, unsqueeze, transpose, reshape,
gather or concatenate along the batch axis of a batch-1 model (what wrappers, attention
blocks and unbatched torch code export), converted, run in real ncnn, compared with
onnxruntime."""
from __future__ import annotations

import numpy as np

from onnx_graphs import Rand, i64, make_model, node, single
from op_suite import Case, Family

ops = Family()


def case(name, has=()):
    def reg(f):
        ops.case(name)(lambda: Case(f(), has=has))
        return f
    return reg


@case("transpose_moves_batch")
def _():
    return single("Transpose", [1, 2, 3, 4], perm=[1, 0, 2, 3])


@case("transpose_5d_batch_to_middle", has=("Permute",))
def _():
    return single("Transpose", [1, 2, 3, 4, 5], perm=[2, 0, 3, 1, 4])


@case("transpose_4d_blob_all_axes", has=("Permute",))
def _():
    return single("Transpose", [1, 2, 3, 4, 5], perm=[0, 4, 2, 1, 3])


@case("concat_on_batch_axis")
def _():
    return make_model([node("Concat", ["a", "b"], ["y"], axis=0)], {"a": [1, 2, 3, 3], "b": [1, 2, 3, 3]}, ["y"])


@case("reshape_merges_batch")
def _():
    return single("Reshape", [1, 4, 6, 6], inits={"s": i64(2, 72)}, extra_inputs=["s"])


@case("flatten_axis2")
def _():
    return single("Flatten", [1, 4, 6, 6], axis=2)


@case("gather_batch_axis_scalar")
def _():
    return single("Gather", [1, 5, 4, 6], inits={"i": np.array(0, np.int64)}, extra_inputs=["i"], axis=0)


@case("squeeze_wrapper_conv_unsqueeze", has=("Convolution",))
def _():
    # The pnnx-suite wrapper: an extra leading axis squeezed away, the model's own batch-1
    # tensor convolved, the axis put back.
    nodes = [
        node("Squeeze", ["x", "ax"], ["s"]),
        node("Conv", ["s", "W"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Unsqueeze", ["c", "ax"], ["y"]),
    ]
    return make_model(nodes, {"x": [1, 1, 3, 8, 8]}, ["y"], {"ax": i64(0), "W": Rand(1)(4, 3, 3, 3)})


@case("attention_split_heads", has=("Permute", "MatMul", "Softmax"))
def _():
    # arcface_torch ViT attention: qkv reshaped to [B, N, 3, H, D], permuted to
    # [3, B, H, N, D] (the batch moves to axis 1), split by Gather on axis 0.
    n, h, d = 6, 2, 4
    c = h * d
    nodes = [
        node("Reshape", ["x", "s5"], ["qkv"]),
        node("Transpose", ["qkv"], ["t"], perm=[2, 0, 3, 1, 4]),
        node("Gather", ["t", "i0"], ["q"], axis=0),
        node("Gather", ["t", "i1"], ["k"], axis=0),
        node("Gather", ["t", "i2"], ["v"], axis=0),
        node("Transpose", ["k"], ["kt"], perm=[0, 1, 3, 2]),
        node("MatMul", ["q", "kt"], ["att"]),
        node("Softmax", ["att"], ["p"], axis=-1),
        node("MatMul", ["p", "v"], ["o"]),
        node("Transpose", ["o"], ["ot"], perm=[0, 2, 1, 3]),
        node("Reshape", ["ot", "s3"], ["y"]),
    ]
    inits = {"s5": i64(1, n, 3, h, d), "s3": i64(1, n, c), **{f"i{k}": np.array(k, np.int64) for k in range(3)}}
    return make_model(nodes, {"x": [1, n, 3 * c]}, ["y"], inits)


@case("softmax_after_batch_moved")
def _():
    nodes = [node("Transpose", ["x"], ["t"], perm=[1, 0, 2]), node("Softmax", ["t"], ["y"], axis=2)]
    return make_model(nodes, {"x": [1, 3, 5]}, ["y"])


@case("reduce_after_batch_moved", has=("Reduction",))
def _():
    nodes = [node("Transpose", ["x"], ["t"], perm=[1, 2, 0, 3]), node("ReduceMean", ["t"], ["y"], axes=[3], keepdims=0)]
    return make_model(nodes, {"x": [1, 3, 4, 5]}, ["y"])


@case("slice_after_batch_moved", has=("Crop",))
def _():
    nodes = [node("Transpose", ["x"], ["t"], perm=[1, 0, 2]), node("Slice", ["t", "st", "en", "ax"], ["y"])]
    return make_model(nodes, {"x": [1, 4, 6]}, ["y"], {"st": i64(1, 2), "en": i64(3, 5), "ax": i64(0, 2)})


@case("concat_mixed_batch_axes")
def _():
    # t keeps the batch on axis 1; r (a reshape to [3, 1, 2]) has none.
    nodes = [
        node("Transpose", ["a"], ["t"], perm=[1, 0, 2]),
        node("Reshape", ["b", "s"], ["r"]),
        node("Concat", ["t", "r"], ["y"], axis=2),
    ]
    return make_model(nodes, {"a": [1, 3, 4], "b": [1, 3, 2]}, ["y"], {"s": i64(3, 1, 2)})


test_op = ops.test_op()
