"""`edgeface train` and `edgeface align`: thin front ends to the bundled trainer
(tools/trainer/train_v2.py) and aligner (tools/align/align.py), run with the project's
Python. Their --help is the tool's own usage; a bad config is one error line and exit 1;
a missing argument is a usage error (exit 2); and a real run: align a few CelebA photos,
then train MobileFaceNet two steps on the crops (tools/trainer/configs/smoke_cpu.py).
"""
import shutil
import subprocess

import pytest
import torch
from PIL import Image

from repo_paths import CELEBA_IDS, CLI, ROOT


def edgeface(*args):
    return subprocess.run(["node", str(CLI), *args], capture_output=True, text=True)


def test_help_is_the_tools_usage():
    t = edgeface("train", "--help")
    assert t.returncode == 0, t.stderr
    assert t.stdout.startswith("usage: train_v2.py") and "-o KEY=VALUE, --override KEY=VALUE" in t.stdout
    a = edgeface("align", "--help")
    assert a.returncode == 0, a.stderr
    assert a.stdout.startswith("usage: align.py") and "--landmarks" in a.stdout
    top = edgeface("--help")
    assert "train [args...]" in top.stdout and "2  usage" in top.stdout


def test_usage_and_bad_config_errors(tmp_path):
    r = edgeface("train")
    assert r.returncode == 2 and r.stderr == "edgeface: error: train: missing <config> (see edgeface train --help)\n"
    r = edgeface("align", str(tmp_path))
    assert r.returncode == 2 and "needs <photos> and <out>" in r.stderr
    cfg = tmp_path / "bad.py"
    cfg.write_text("from easydict import EasyDict as edict\nconfig = edict()\nconfig.netwrok = 'mbf'\n")
    r = edgeface("train", str(cfg))
    assert r.returncode == 1, r.stderr
    assert len(r.stderr.strip().split("\n")) == 1 and r.stderr.startswith(f"error: {cfg}: unknown config key 'netwrok'"), r.stderr
    assert "Traceback" not in r.stderr
    r = edgeface("align", str(tmp_path / "missing"), str(tmp_path / "out"))
    assert r.returncode == 1 and "input folder not found" in r.stderr


@pytest.mark.skipif(not CELEBA_IDS.is_dir(), reason="../shared/data/celeba-ids not present")
def test_align_then_train_two_steps(tmp_path):
    photos = tmp_path / "photos"
    for ident in sorted(p.name for p in CELEBA_IDS.iterdir() if p.is_dir())[:3]:
        (photos / ident).mkdir(parents=True)
        for f in sorted((CELEBA_IDS / ident).iterdir())[:4]:
            shutil.copy(f, photos / ident / f.name)
    aligned = tmp_path / "aligned"
    r = edgeface("align", str(photos), str(aligned))
    assert r.returncode == 0, r.stderr
    crops = sorted(aligned.glob("*/*.jpg"))
    assert len(crops) >= 10, r.stdout
    assert all(Image.open(c).size == (112, 112) for c in crops)
    out = tmp_path / "run"
    r = edgeface("train", str(ROOT / "tools/trainer/configs/smoke_cpu.py"), "-o", f"rec={aligned}", "-o", f"output={out}",
                 "-o", "max_steps=2", "-o", "batch_size=4", "-o", "save_every=2")
    assert r.returncode == 0, r.stderr[-3000:]
    ckpt = torch.load(out / "checkpoint_rank0.pt", weights_only=False)
    assert any(k.startswith("features.") for k in ckpt["backbone"]), "a MobileFaceNet backbone was trained"
