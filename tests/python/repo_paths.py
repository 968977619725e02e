"""The repository and the ../shared data beside it, resolved from this file (not from the
working directory), for every Python test."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "src" / "cli.js"
SHARED = ROOT.parent / "shared"
SHARED_MODELS = SHARED / "models"
LFW = SHARED / "data" / "lfw"
CELEBA_IDS = SHARED / "data" / "celeba-ids"
