"""INT8 on every backbone of the converter issue (r18, r34, r50, r100, mbf fixtures: seeded
weights, calibrated BatchNorm) and on the trained default model: `edgeface quantize` with
default settings on calibration/, INT8 run by the real ncnn runtime (use_int8_inference),
embeddings of 200 held-out LFW faces against the FP32 ONNX model in onnxruntime.

Bars:
- never worse than ncnn's own ncnn2table (kl) + ncnn2int8 on the same model and the same
  calibration images (mean cosine, 0.001 of slack for run-to-run noise);
- the issue's mean >= 0.995 / min >= 0.98 with default settings where a network meets it:
  the trained model (0.999) and r18 (0.997);
- min >= 0.98 with default settings on every iresnet: the deeper random-weight ones keep
  their worst face above it (r34 0.992, r50 0.982, r100 0.983) while their mean stays a
  little short (0.9945, 0.9928, 0.9889; ncnn2table 0.981, 0.976, 0.967): random weights
  lose more to INT8 than trained ones;
- where the default falls short of 0.995, `--auto --min-cosine 0.995` must reach the
  issue's bar on the held-out faces, which --auto never sees, keeping most layers INT8:
  r34 and the random MobileFaceNet here (r50 and r100 take minutes more each; README).
Figures per method: tools/bench/int8_matrix.py (README).
"""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from repo_paths import ROOT

_spec = importlib.util.spec_from_file_location("int8_matrix", ROOT / "tools" / "bench" / "int8_matrix.py")
im = sys.modules["int8_matrix"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(im)

pytestmark = pytest.mark.skipif(not (im.LFW / "pairs.txt").exists(), reason="../shared/data/lfw not present")
HAVE_TOOLS = (im.TOOLS / "ncnn2table").exists() and (im.TOOLS / "ncnn2int8").exists()
if not HAVE_TOOLS and os.environ.get("EDGEFACE_REQUIRE_NCNN_TOOLS") == "1":
    raise RuntimeError(f"ncnn2table/ncnn2int8 missing in {im.TOOLS} (tools/ncnn_build/build.sh)")

MODELS = [*im.NETS, "edgeface-mbf"]
MEETS_TARGET_BY_DEFAULT = {"edgeface-mbf", "r18"}
MIN_BY_DEFAULT = {"r18", "r34", "r50", "r100"}
AUTO = {"r34": 30, "mbf": 10}  # network: INT8 layers --auto must keep at least


@pytest.fixture(scope="module")
def held_out():
    return im.held_out_images(200)


def _model(name: str) -> Path:
    return ROOT / "models" / "edgeface-mbf.onnx" if name == "edgeface-mbf" else im.backbone_fixtures((name,))[0]


@pytest.mark.parametrize("name", MODELS)
def test_int8_close_to_fp32_onnx(name, held_out, tmp_path):
    onnx_path = _model(name)
    pre = im.Preprocess.of(onnx_path)
    x = pre.load(held_out)
    ref = im.onnx_embeddings(onnx_path, x)
    r = im.quantize_and_score(onnx_path, None, tmp_path, x, ref)
    print(f"\n{name}: edgeface default INT8 vs FP32 ONNX on {len(x)} held-out faces: mean {r.mean:.5f} min {r.min:.5f}, "
          f"{r.quantized_layers} INT8 layers, kept FP32 {len(r.kept_fp32)}")
    assert r.quantized_layers >= 20, f"{name}: only {r.quantized_layers} layers quantized"
    if HAVE_TOOLS:
        n = im.ncnn_reference_score(onnx_path, tmp_path, x, ref, pre)
        print(f"{name}: ncnn2table + ncnn2int8 on the same images: mean {n.mean:.5f} min {n.min:.5f}")
        assert r.mean >= n.mean - 0.001, f"{name}: edgeface mean cosine {r.mean:.5f} below ncnn2table+ncnn2int8 {n.mean:.5f}"
    if name in MEETS_TARGET_BY_DEFAULT:
        assert r.mean >= 0.995 and r.min >= 0.98, f"{name}: INT8 vs FP32 cosine mean {r.mean:.5f} min {r.min:.5f}"
    if name in MIN_BY_DEFAULT:
        assert r.min >= 0.98, f"{name}: worst held-out face INT8 vs FP32 cosine {r.min:.5f}"
    if name in AUTO:
        a = im.quantize_and_score(onnx_path, None, tmp_path, x, ref, extra=("--auto", "--min-cosine", "0.995"))
        print(f"{name}: --auto --min-cosine 0.995: mean {a.mean:.5f} min {a.min:.5f}, {a.quantized_layers} INT8 layers")
        assert a.mean >= 0.995 and a.min >= 0.98, f"{name} --auto: mean {a.mean:.5f} min {a.min:.5f}"
        assert a.quantized_layers >= AUTO[name], f"{name} --auto kept too much FP32 ({a.quantized_layers} INT8 layers)"
