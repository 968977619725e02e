#!/usr/bin/env python3
"""Train an ArcFace face-recognition model (insightface arcface_torch workflow).

    python tools/trainer/train_v2.py tools/trainer/configs/celeba_mbf
    torchrun --nproc_per_node=8 tools/trainer/train_v2.py configs/ms1mv3_r50
    python tools/trainer/train_v2.py configs/celeba_mbf -o batch_size=256 -o amp=bf16

Config fields are documented in tools/trainer/README.md. Writes into
cfg.output: checkpoint_rank<r>.pt (resumable), best_backbone.pt (best LFW
validation), model.onnx (the best backbone exported), training.log.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from config import ConfigError, load_config, parse_override  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train an ArcFace model from a config file.")
    ap.add_argument("config", help="config file, e.g. configs/celeba_mbf (base.py holds the defaults)")
    ap.add_argument("-o", "--override", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config field (repeatable)")
    ap.add_argument("--local_rank", "--local-rank", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    try:
        cfg = load_config(a.config, dict(parse_override(o) for o in a.override))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from data.sources import DataError
    from training import run

    try:
        run(cfg)
    except (DataError, ConfigError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; resume with -o resume=True", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
