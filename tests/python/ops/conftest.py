"""Converts every case of the collected op families up front (one converter process), then
runs them in ncnn (one worker process, restarted if a model crashes it)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from onnx_graphs import convert_batch, run_ncnn_batch, save
from op_suite import CASES, default_feeds
from repo_paths import CLI, ROOT

if not CLI.exists():
    pytest.skip("dist/ not built (run `npm run build`)", allow_module_level=True)


@pytest.fixture(scope="session")
def converted_ops(tmp_path_factory) -> tuple[Path, dict[str, str | None], dict[str, str | None]]:
    d = tmp_path_factory.mktemp("ops")
    jobs, cases = [], {name: build() for name, build in CASES.items()}
    for name, c in cases.items():
        jobs.append({"name": name, "onnx": str(save(c.model, d, name)), "prefix": str(d / name), "fp16": c.fp16})
    conversion = convert_batch(jobs, d, ROOT)
    runs = []
    for name, c in cases.items():
        if conversion[name] is not None:
            continue
        np.savez(d / f"{name}.feeds.npz", **(c.feeds or default_feeds(c.model)))
        runs.append({"name": name, "param": str(d / f"{name}.param"), "bin": str(d / f"{name}.bin"), "feeds": str(d / f"{name}.feeds.npz"),
                     "outputs": [o.name for o in c.model.graph.output], "fp16": c.fp16, "result": str(d / f"{name}.ncnn.npz")})
    return d, conversion, run_ncnn_batch(runs, d)
