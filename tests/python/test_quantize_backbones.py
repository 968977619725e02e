"""INT8 acceptance on every backbone of the converter issue (r18, r34, r50, r100, mbf fixtures)
and on the trained default model: `edgeface quantize` with default settings on calibration/,
INT8 run by the real ncnn runtime (use_int8_inference), embeddings of 200 held-out LFW faces
against the FP32 ONNX model in onnxruntime: mean cosine >= 0.995, min >= 0.98.

Per-method figures for every model: `.venv/bin/python tools/bench/int8_matrix.py`.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("int8_matrix", ROOT / "tools" / "bench" / "int8_matrix.py")
im = sys.modules["int8_matrix"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(im)

pytestmark = pytest.mark.skipif(not (im.LFW / "pairs.txt").exists(), reason="../shared/data/lfw not present")

MODELS = [*im.NETS, "edgeface-mbf"]


@pytest.fixture(scope="module")
def held_out():
    return im.held_out_images(200)


def _model(name: str) -> Path:
    return ROOT / "models" / "edgeface-mbf.onnx" if name == "edgeface-mbf" else im.backbone_fixtures((name,))[0]


@pytest.mark.parametrize("name", MODELS)
def test_int8_default_close_to_fp32_onnx(name, held_out, tmp_path):
    onnx_path = _model(name)
    x = im.Preprocess.of(onnx_path).load(held_out)
    ref = im.onnx_embeddings(onnx_path, x)
    r = im.quantize_and_score(onnx_path, None, tmp_path, x, ref)
    print(f"{name}: INT8 vs FP32 ONNX on {len(x)} held-out faces: mean {r.mean:.5f} min {r.min:.5f}, "
          f"{r.quantized_layers} INT8 layers, kept FP32 {r.kept_fp32}")
    assert r.quantized_layers >= 20, f"{name}: only {r.quantized_layers} layers quantized"
    assert r.mean >= 0.995 and r.min >= 0.98, f"{name}: INT8 vs FP32 cosine mean {r.mean:.5f} min {r.min:.5f}"
