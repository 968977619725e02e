"""Median FP32 latency of ncnn models on the same input, interleaved run by run so that
machine load affects them alike. Prints one JSON object: {label: ms or error}.

    python tools/bench/ncnn_latency.py --threads 2 --runs 20 --shape 3,112,112 \
        LABEL=PARAM,BIN,INPUT_BLOB,OUTPUT_BLOB ...
"""
from __future__ import annotations

import argparse
import json
import time

import ncnn
import numpy as np


def load(param: str, binf: str, threads: int):
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    if net.load_param(param) != 0:
        raise RuntimeError("ncnn cannot load the .param (unknown layer types?)")
    if net.load_model(binf) != 0:
        raise RuntimeError("ncnn cannot load the .bin")
    return net


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--shape", default="3,112,112")
    p.add_argument("models", nargs="+")
    a = p.parse_args()
    x = np.random.default_rng(0).standard_normal([int(d) for d in a.shape.split(",")]).astype(np.float32)
    nets, result = {}, {}
    for spec in a.models:
        label, files = spec.split("=", 1)
        param, binf, inp, out = files.split(",")
        try:
            nets[label] = (load(param, binf, a.threads), inp, out)
        except RuntimeError as e:
            result[label] = str(e)
    times: dict[str, list[float]] = {k: [] for k in nets}
    for run in range(a.runs + 2):
        for label, (net, inp, out) in nets.items():
            ex = net.create_extractor()
            ex.input(inp, ncnn.Mat(x).clone())
            t = time.perf_counter()
            ret, _ = ex.extract(out)
            dt = time.perf_counter() - t
            if ret != 0:
                raise SystemExit(f"{label}: extract failed ({ret})")
            if run >= 2:  # warm-up runs dropped
                times[label].append(dt)
    for label, ts in times.items():
        result[label] = float(np.median(ts) * 1000)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
