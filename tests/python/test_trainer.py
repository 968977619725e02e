"""CPU smoke test of the bundled trainer on a tiny real subset.

Four CelebA identities (../shared/data/celeba-ids) are aligned with the
project's aligner (MTCNN landmarks + ArcFace warp), then MobileFaceNet trains a
few steps on them. Checks: the loss goes down; a run interrupted at step 4 and
resumed ends bit-for-bit where the uninterrupted run ends; the exported ONNX
matches PyTorch in onnxruntime; and edgeface's converter output matches
PyTorch in the real ncnn runtime.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from repo_paths import CELEBA_IDS as CELEBA, CLI, ROOT

sys.path.insert(0, str(ROOT / "tools" / "trainer"))
sys.path.insert(0, str(ROOT / "tools" / "align"))

IDS = 4
PER_ID = 6
STEPS = 8


def _cfg(**over):
    from config import apply_overrides, load_config

    cfg = load_config(ROOT / "tools/trainer/configs/smoke_cpu.py", {"rec": "unused"})
    return apply_overrides(cfg, over)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    from align import align_tree

    src = tmp_path_factory.mktemp("celeba-raw")
    ids = sorted(p.name for p in CELEBA.iterdir() if p.is_dir())[:IDS]
    for ident in ids:
        (src / ident).mkdir()
        for f in sorted((CELEBA / ident).iterdir())[:PER_ID]:
            shutil.copy(f, src / ident / f.name)
    (src / ids[0] / "broken.jpg").write_bytes(b"not a jpeg")  # must be skipped, not crash
    out = tmp_path_factory.mktemp("celeba-aligned")
    counts = align_tree(src, out, workers=1, progress=False)
    assert counts.unreadable == 1
    assert counts.aligned >= IDS * PER_ID - 2
    # a corrupt file inside the training set: the loader must count it and go on
    (out / ids[1] / "corrupt.jpg").write_bytes(b"\xff\xd8 truncated")
    return out


@pytest.fixture(scope="module")
def runs(dataset, tmp_path_factory):
    from training import run

    torch.set_num_threads(2)
    common = dict(rec=str(dataset), max_steps=STEPS, batch_size=8, lr=0.1, lr_power=1.0,
                  save_every=STEPS, num_workers=0, frequent=1)
    full_dir = tmp_path_factory.mktemp("full")
    full = run(_cfg(output=str(full_dir), export_onnx=True, **common), log_to_file=False)
    part_dir = tmp_path_factory.mktemp("part")
    first = run(_cfg(output=str(part_dir), **common), log_to_file=False, stop_after=STEPS // 2)
    resumed = run(_cfg(output=str(part_dir), resume=True, **common), log_to_file=False)
    return dict(full=full, full_dir=full_dir, first=first, resumed=resumed, part_dir=part_dir)


def test_loss_goes_down(runs):
    losses = [loss for _, loss in runs["full"]["losses"]]
    assert len(losses) == STEPS
    assert all(np.isfinite(losses))
    assert np.mean(losses[-2:]) < np.mean(losses[:2]) - 0.5, losses


def test_bad_image_is_counted_not_fatal(runs):
    assert runs["full"]["bad_images"] >= 1


def test_resume_is_bit_exact(runs):
    assert runs["first"]["steps"] == STEPS // 2
    assert runs["resumed"]["steps"] == STEPS
    # the losses after the resume point are the uninterrupted run's, exactly
    full_tail = [v for s, v in runs["full"]["losses"] if s > STEPS // 2]
    assert [v for _, v in runs["resumed"]["losses"]] == full_tail
    a = torch.load(runs["full_dir"] / "checkpoint_rank0.pt", weights_only=False)
    b = torch.load(runs["part_dir"] / "checkpoint_rank0.pt", weights_only=False)
    for group in ("backbone", "partial_fc"):
        for k, v in a[group].items():
            assert torch.equal(v, b[group][k]), f"{group}.{k} differs after resume"
    for k, st in a["optimizer"]["state"].items():
        for name, v in st.items():
            if torch.is_tensor(v):
                assert torch.equal(v, b["optimizer"]["state"][k][name]), f"optimizer state {k}.{name}"


def _pytorch_embeddings(out_dir: Path, x: torch.Tensor) -> np.ndarray:
    from export_onnx import load_backbone

    model = load_backbone(out_dir / "checkpoint_rank0.pt", trusted=True)
    with torch.no_grad():
        return model(x).numpy()


def _face_batch(dataset: Path, n: int = 4) -> tuple[np.ndarray, torch.Tensor]:
    from PIL import Image

    files = sorted(dataset.glob("*/*.jpg"))[:n]
    imgs = np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files])
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().sub(127.5).div(127.5)
    return imgs, x


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_export_matches_pytorch_in_onnxruntime(runs, dataset):
    from lfw_eval import embed_onnx

    onnx_path = Path(runs["full"]["onnx"])
    imgs, x = _face_batch(dataset)
    ref = _pytorch_embeddings(runs["full_dir"], x)  # no validation set: the last weights are exported
    got = embed_onnx(onnx_path, imgs)
    assert _cosines(ref, got).min() >= 0.9999


# ncnn conversion check: needs the built edgeface CLI (npm run build). It skips ONLY
# when dist/src/cli.js is missing.
@pytest.mark.skipif(not CLI.exists(), reason="dist/src/cli.js missing: run `npm run build`")
def test_export_converts_with_edgeface_and_matches_in_ncnn(runs, dataset, tmp_path):
    from lfw_eval import embed_ncnn

    onnx_path = Path(runs["full"]["onnx"])
    prefix = tmp_path / "model"
    r = subprocess.run(["node", str(CLI), "convert", str(onnx_path), "-o", str(prefix)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    imgs, x = _face_batch(dataset)
    ref = _pytorch_embeddings(runs["full_dir"], x)
    got = embed_ncnn(Path(f"{prefix}.param"), Path(f"{prefix}.bin"), imgs, "data", "fc1")
    assert _cosines(ref, got).min() >= 0.9999
