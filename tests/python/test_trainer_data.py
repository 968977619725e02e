"""Trainer config checking and data sources (RecordIO without mxnet, label lists, folders)."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "trainer"))


def _jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (112, 112, 3), dtype=np.uint8)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_unknown_config_key_is_an_error_naming_it(tmp_path):
    cfg = tmp_path / "bad.py"
    cfg.write_text("from easydict import EasyDict as edict\nconfig = edict()\nconfig.netwrok = 'mbf'\n")
    r = subprocess.run([sys.executable, str(ROOT / "tools/trainer/train_v2.py"), str(cfg)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "unknown config key 'netwrok'" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, str(ROOT / "tools/trainer/train_v2.py"), "configs/smoke_cpu",
                        "-o", "amp=fp8", "-o", "rec=x"], capture_output=True, text=True)
    assert r.returncode == 2 and "'amp' must be one of" in r.stderr


def test_every_base_field_is_documented():
    from config import base_config

    readme = (ROOT / "tools/trainer/README.md").read_text()
    missing = [k for k in base_config() if f"| `{k}` |" not in readme]
    assert not missing, f"undocumented config fields: {missing}"


def test_recordio_round_trip_and_bad_record(tmp_path):
    from data.loaders import _DecodedBatches
    from data.recordio import write_rec
    from data.sources import open_source

    items = [(i % 3, _jpeg(i)) for i in range(7)]
    items[4] = (1, b"\xff\xd8 corrupt")
    write_rec(tmp_path / "train.rec", tmp_path / "train.idx", items)
    src = open_source(tmp_path)
    assert len(src) == 7 and src.num_classes == 3
    assert src.labels == [i % 3 for i in range(7)]
    assert src.read_bytes(2) == items[2][1]
    imgs, labels = _DecodedBatches(src, [torch.arange(7)])[0]
    assert imgs.shape == (7, 3, 112, 112)
    assert labels.tolist() == [0, 1, 2, 0, -1, 2, 0]  # the corrupt one is marked, not fatal
    ref = torch.from_numpy(np.asarray(Image.open(io.BytesIO(items[0][1])))).permute(2, 0, 1)
    assert torch.equal(imgs[0], ref)


def test_label_list_and_folder_sources(tmp_path):
    from data.sources import DataError, open_source

    for ident in ("b", "a"):
        (tmp_path / "faces" / ident).mkdir(parents=True)
        for k in range(2):
            (tmp_path / "faces" / ident / f"{k}.jpg").write_bytes(_jpeg(k))
    folder = open_source(tmp_path / "faces")
    assert folder.labels == [0, 0, 1, 1] and folder.names[0].endswith("a/0.jpg")
    lst = tmp_path / "list.txt"
    lst.write_text("faces/a/0.jpg 5\nfaces/b/1.jpg 2\n")
    src = open_source(lst)
    assert src.labels == [5, 2] and src.read_bytes(0) == _jpeg(0)
    lst.write_text("faces/a/0.jpg five\n")
    with pytest.raises(DataError, match="list.txt:1"):
        open_source(lst)


def test_partial_fc_sampling_keeps_positives_and_matches_full_softmax():
    from losses import CombinedMarginLoss
    from partial_fc import PartialFC

    torch.manual_seed(0)
    emb = torch.randn(6, 16, requires_grad=True)
    labels = torch.tensor([0, 3, 3, 7, 9, -1])
    full = PartialFC(CombinedMarginLoss(64, 1.0, 0.5, 0.0), 16, 10, sample_rate=1.0)
    loss = full(emb, labels)
    # reference: plain cross-entropy with the ArcFace target logit, bad row left out
    w = torch.nn.functional.normalize(full.weight.detach())
    cos = torch.nn.functional.normalize(emb.detach()) @ w.T
    rows = torch.arange(5)
    theta = torch.acos(cos[rows, labels[:5]].clamp(-1 + 1e-6, 1 - 1e-6))
    logits = cos[:5].clone()
    logits[rows, labels[:5]] = torch.cos(theta + 0.5)
    ref = torch.nn.functional.cross_entropy(64 * logits, labels[:5])
    assert torch.allclose(loss, ref, atol=1e-4)
    sampled = PartialFC(CombinedMarginLoss(64, 1.0, 0.0, 0.35), 16, 10, sample_rate=0.5)
    index, local = sampled._sample(labels)
    assert len(index) == 5 and set(labels[labels >= 0].tolist()) <= set(index.tolist())
    assert torch.equal(index[local[:5]], labels[:5])
    assert local[5] == -1
    sampled(emb, labels).backward()
    assert emb.grad is not None and torch.isfinite(emb.grad).all()
