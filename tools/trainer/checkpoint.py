"""Atomic per-rank checkpoints: write to a temp file, fsync, rename.

Each rank writes checkpoint_rank<r>.pt (backbone, its Partial FC shard, optimiser,
grad scaler, RNG states, position in the run). A reader checks every rank's file
is from the same step, so a crash between two ranks' renames is caught rather
than silently mixing steps.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch


def atomic_save(obj, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        torch.save(obj, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def checkpoint_path(output: Path, rank: int) -> Path:
    return Path(output) / f"checkpoint_rank{rank}.pt"


def load_checkpoint(output: Path, rank: int, world: int) -> dict:
    path = checkpoint_path(output, rank)
    if not path.is_file():
        raise FileNotFoundError(f"resume: no checkpoint at {path}")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("world_size") != world:
        raise ValueError(f"resume: {path} was written by {state.get('world_size')} ranks, "
                         f"this run has {world}; resume with the same number of GPUs")
    return state
