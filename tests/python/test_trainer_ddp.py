"""torchrun with two CPU ranks (gloo): DDP backbone, Partial FC centres sharded across the
ranks with a sample rate, per-rank atomic checkpoints, and resume."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import torch

from repo_paths import CELEBA_IDS as CELEBA, ROOT


def _torchrun(out: Path, data: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29561",
           str(ROOT / "tools/trainer/train_v2.py"), str(ROOT / "tools/trainer/configs/smoke_cpu.py"),
           "-o", f"rec={data}", "-o", f"output={out}", "-o", "batch_size=4", "-o", "sample_rate=0.5",
           "-o", "save_every=2", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def test_two_ranks_shard_classes_and_resume(tmp_path):
    data = tmp_path / "data"
    ids = sorted(p.name for p in CELEBA.iterdir() if p.is_dir())[:7]  # 7 classes: shards of 4 and 3
    for ident in ids:
        shutil.copytree(CELEBA / ident, data / ident)  # unaligned ~128 px crops: resized by the loader
    out = tmp_path / "out"
    r = _torchrun(out, data, "-o", "max_steps=3", "-o", "resume=False")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "2 rank(s) x batch 4" in r.stdout
    shards = [torch.load(out / f"checkpoint_rank{k}.pt", weights_only=False) for k in (0, 1)]
    assert [s["partial_fc"]["weight"].shape[0] for s in shards] == [4, 3]
    assert all(s["step"] == 3 and s["world_size"] == 2 for s in shards)
    # DDP keeps the replicated backbone weights identical on both ranks (BatchNorm running
    # statistics stay per rank, as in arcface_torch: broadcast_buffers=False; rank 0's are saved)
    for k, v in shards[0]["backbone"].items():
        if "running_" not in k and "num_batches" not in k:
            assert torch.equal(v, shards[1]["backbone"][k]), k
    r = _torchrun(out, data, "-o", "max_steps=5", "-o", "resume=True")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "[resume] from step 3" in r.stdout
    assert torch.load(out / "checkpoint_rank1.pt", weights_only=False)["step"] == 5
