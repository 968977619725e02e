"""LayerNormalization (opset 17) and the ReduceMean/Sub/Pow/Sqrt/Div spelling older
exporters write, both to ncnn LayerNorm, run in real ncnn against onnxruntime."""
from __future__ import annotations

from onnx_graphs import Rand, f32, make_model, node
from op_suite import Case, Family

ops = Family()


def ln17(shape, axis, affine_shape, with_bias=True, eps=1e-5):
    def build():
        r = Rand(len(shape) * 10 + axis)
        inits = {"g": r(*affine_shape, positive=True)}
        ins = ["x", "g"]
        if with_bias:
            inits["b"] = r(*affine_shape)
            ins.append("b")
        return Case(make_model([node("LayerNormalization", ins, ["y"], axis=axis, epsilon=eps)], {"x": shape}, ["y"], inits, opset=17), has=("LayerNorm",))
    return build


ops.case("ln17_tokens_last_axis")(ln17([1, 6, 8], -1, [8]))
ops.case("ln17_no_bias")(ln17([1, 6, 8], 2, [8], with_bias=False))
ops.case("ln17_last_two_axes")(ln17([1, 4, 5, 6], -2, [5, 6]))
ops.case("ln17_4d_blob_merged_rows")(ln17([1, 2, 3, 4, 5], -1, [5]))
ops.case("ln17_vector")(ln17([1, 7], -1, [7], eps=1e-3))


def one_layer_norm(layers):
    # Fused into one layer: no Reduction/BinaryOp left over.
    assert [t for t, _, _ in layers if t != "Input"] == ["LayerNorm"], layers


def ln_spelled(mul_first=True):
    def build():
        r = Rand(5)
        nodes = [
            node("ReduceMean", ["x"], ["m"], axes=[-1]),
            node("Sub", ["x", "m"], ["d"]),
            node("Pow", ["d", "two"], ["p"]),
            node("ReduceMean", ["p"], ["v"], axes=[-1]),
            node("Add", ["v", "eps"], ["ve"]),
            node("Sqrt", ["ve"], ["s"]),
            node("Div", ["d", "s"], ["n"]),
            node("Mul", ["n", "g"] if mul_first else ["g", "n"], ["ng"]),
            node("Add", ["ng", "b"], ["y"]),
        ]
        inits = {"two": f32(2.0), "eps": f32(1e-5), "g": r(8, positive=True), "b": r(8)}
        return Case(make_model(nodes, {"x": [1, 6, 8]}, ["y"], inits), param_check=one_layer_norm)
    return build


ops.case("ln_reduce_mean_spelling")(ln_spelled())
ops.case("ln_reduce_mean_spelling_gamma_first")(ln_spelled(False))


test_op = ops.test_op()
