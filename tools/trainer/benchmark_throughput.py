#!/usr/bin/env python3
"""Training throughput: the real loop from JPEGs vs the same model on synthetic GPU data.

    python tools/trainer/benchmark_throughput.py --rec DATA --network mbf --batch 512 --amp fp16

Runs the full training step (forward, Partial FC margin loss, backward, SGD)
for each loader in one process and prints img/s and the ratio to the
synthetic run (a random uint8 batch already on the GPU). Loaders:
workers (CPU JPEG decode in DataLoader processes), gpu_decode (nvJPEG), cache
(decoded once into GPU memory; decode time is printed separately).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from config import apply_overrides, base_config  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rec", required=True, help="training data (folder per identity, list, or rec dir)")
    ap.add_argument("--network", default="mbf")
    ap.add_argument("--embedding-size", type=int, default=512)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--amp", default="fp16", choices=("none", "fp16", "bf16"))
    ap.add_argument("--steps", type=int, default=120, help="timed steps per loader")
    ap.add_argument("--skip", type=int, default=30, help="warm-up steps not timed")
    ap.add_argument("--num-workers", type=int, default=12)
    ap.add_argument("--loaders", default="synthetic,cache,workers,gpu_decode")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args(argv)
    from training import run

    results = {}
    for loader in a.loaders.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = apply_overrides(base_config(), dict(
                network=a.network, embedding_size=a.embedding_size, rec=a.rec, batch_size=a.batch,
                amp=a.amp, loader=loader, num_workers=a.num_workers, max_steps=a.skip + a.steps,
                output=tmp, export_onnx=False, progress_bar=False, frequent=10_000,
                save_every=10_000_000, val_pairs="", compile=a.compile, lr=0.02))
            t0 = time.time()
            summary = run(cfg, bench_skip=a.skip, log_to_file=False)
            results[loader] = {"img_per_s": summary["img_per_s"], "wall_s": time.time() - t0}
            print(f"[bench] {a.network} {loader}: {summary['img_per_s']:.0f} img/s "
                  f"(run incl. setup {time.time() - t0:.1f} s)", flush=True)
    ref = results.get("synthetic", {}).get("img_per_s")
    print(f"\n{a.network} batch {a.batch} amp {a.amp}")
    for loader, r in results.items():
        ratio = f"{r['img_per_s'] / ref:.3f}" if ref else "n/a"
        print(f"  {loader:<11} {r['img_per_s']:>9.0f} img/s  ratio to synthetic {ratio}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
