"""Prints the shape of every blob of an ncnn model as the real runtime computes it.

stdin: {"inputs": [{"name": str, "shape": [c, h, w]}], "blobs": [str]}; stdout: {blob: [c, h, w]}.
Used by `edgeface inspect model.param`.
"""
import json
import sys

import ncnn
import numpy as np


def mat_shape(m):
    return [m.c, m.h, m.w][3 - m.dims:] if m.dims <= 3 else [m.c, m.d, m.h, m.w]


def main(param, binf):
    req = json.load(sys.stdin)
    net = ncnn.Net()
    if net.load_param(param) != 0 or net.load_model(binf) != 0:
        sys.exit(f"cannot load {param} / {binf}")
    out = {}
    for blob in req["blobs"]:
        ex = net.create_extractor()
        for inp in req["inputs"]:
            ex.input(inp["name"], ncnn.Mat(np.zeros(inp["shape"], dtype=np.float32)))
        ret, m = ex.extract(blob)
        if ret == 0:
            out[blob] = mat_shape(m)
    for inp in req["inputs"]:
        out[inp["name"]] = inp["shape"]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
