"""src/ops/resize.ts: Resize and Upsample -> Interp."""
from __future__ import annotations

import numpy as np

from onnx_graphs import f32, i64, make_model, node
from op_suite import Case, Family

ops = Family()
case, refused = ops.case, ops.refused


def resize_case(opset: int, mode: str, scales=None, sizes=None, x=(1, 2, 4, 5), **attrs) -> Case:
    inits: dict[str, np.ndarray] = {}
    if opset >= 13:
        ins = ["x", "", "sc" if scales is not None else "", "sz" if sizes is not None else ""]
    else:  # opset 11 requires roi and scales inputs to be present (may be empty)
        inits["roi"] = np.zeros(0, np.float32)
        ins = ["x", "roi", "sc", "sz" if sizes is not None else ""]
        if scales is None:
            inits["sc"] = np.zeros(0, np.float32)
    if scales is not None:
        inits["sc"] = f32(*scales)
    if sizes is not None:
        inits["sz"] = i64(*sizes)
    while ins and ins[-1] == "":
        ins.pop()
    m = make_model([node("Resize", ins, ["y"], mode=mode, **attrs)], {"x": list(x)}, ["y"], inits, opset)
    return Case(m, has=("Interp",))


case("resize_nearest_scales2_opset11")(lambda: resize_case(11, "nearest", scales=[1, 1, 2, 2]))
case("resize_nearest_scales2_asym_floor")(lambda: resize_case(13, "nearest", scales=[1, 1, 2, 2], coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
case("resize_nearest_scales3_half_pixel")(lambda: resize_case(13, "nearest", scales=[1, 1, 3, 3]))
case("resize_nearest_downscale_half")(lambda: resize_case(13, "nearest", scales=[1, 1, 0.5, 0.5], x=(1, 2, 6, 8)))
case("resize_nearest_sizes")(lambda: resize_case(13, "nearest", sizes=[1, 2, 8, 15]))
case("resize_nearest_asym_floor_sizes_non_integer")(lambda: resize_case(13, "nearest", sizes=[1, 2, 6, 7], coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
case("resize_bilinear_scales2_half_pixel")(lambda: resize_case(13, "linear", scales=[1, 1, 2, 2]))
case("resize_bilinear_pytorch_half_pixel_opset11")(lambda: resize_case(11, "linear", scales=[1, 1, 2, 2], coordinate_transformation_mode="pytorch_half_pixel"))
case("resize_bilinear_sizes_non_integer")(lambda: resize_case(13, "linear", sizes=[1, 2, 7, 8]))
case("resize_bilinear_downscale")(lambda: resize_case(13, "linear", sizes=[1, 2, 2, 3], x=(1, 2, 6, 7)))
case("resize_bilinear_align_corners")(lambda: resize_case(13, "linear", sizes=[1, 2, 7, 9], coordinate_transformation_mode="align_corners"))
case("resize_nearest_opset17_sizes")(lambda: resize_case(17, "nearest", sizes=[1, 2, 8, 10]))
case("resize_bilinear_opset18")(lambda: resize_case(18, "linear", scales=[1, 1, 2, 2]))
case("resize_nearest_scale1_5_asym_floor")(lambda: resize_case(13, "nearest", scales=[1, 1, 1.5, 1.5], x=(1, 2, 4, 6), coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
case("resize_bicubic_half_pixel")(lambda: resize_case(13, "cubic", scales=[1, 1, 2, 2], x=(1, 2, 5, 6)))
case("resize_bilinear_opset18_axes_sizes")(lambda: resize_case(18, "linear", sizes=[9, 7], axes=[2, 3]))


@case("resize_nearest_opset10")
def _():
    m = make_model([node("Resize", ["x", "sc"], ["y"], mode="nearest")], {"x": [1, 2, 3, 4]}, ["y"], {"sc": f32(1, 1, 2, 2)}, opset=10)
    return Case(m, has=("Interp",))


@case("upsample_nearest_opset9")
def _():
    m = make_model([node("Upsample", ["x", "sc"], ["y"], mode="nearest")], {"x": [1, 2, 3, 4]}, ["y"], {"sc": f32(1, 1, 2, 3)}, opset=9)
    return Case(m, has=("Interp",))


@case("upsample_nearest_opset7_attr")
def _():
    m = make_model([node("Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 2.0, 2.0])], {"x": [1, 2, 3, 4]}, ["y"], opset=7)
    return Case(m, has=("Interp",))


@refused("resize_bilinear_asymmetric")
def _():
    return resize_case(13, "linear", scales=[1, 1, 2, 2], coordinate_transformation_mode="asymmetric").model, "asymmetric"


@refused("resize_tf_crop_and_resize")
def _():
    return resize_case(13, "linear", sizes=[1, 2, 8, 10], coordinate_transformation_mode="tf_crop_and_resize").model, "tf_crop_and_resize"


@refused("resize_nearest_asym_round_scale3")
def _():
    return resize_case(13, "nearest", scales=[1, 1, 3, 3], coordinate_transformation_mode="asymmetric").model, "nearest"


@refused("upsample_linear_opset9")
def _():
    m = make_model([node("Upsample", ["x", "sc"], ["y"], mode="linear")], {"x": [1, 2, 3, 4]}, ["y"], {"sc": f32(1, 1, 2, 2)}, opset=9)
    return m, "asymmetric"


@refused("resize_cubic_coeff")
def _():
    return resize_case(13, "cubic", scales=[1, 1, 2, 2], cubic_coeff_a=-0.5).model, "cubic_coeff_a"


test_op = ops.test_op()
test_refused = ops.test_refused()
