"""Runs an ncnn model twice in the real (PyPI) ncnn runtime: the text .param with blobs
addressed by name, and the binary .param.bin with blobs addressed by index, on the same
seeded random input. Prints JSON: per output, whether the two results are bit-identical,
their shapes and the largest difference.

argv[1]: JSON {"param", "bin", "param_bin", "inputs": [{"name", "index", "shape"}],
               "outputs": [{"name", "index"}], "int8": bool}
"""
import json
import sys

import ncnn
import numpy as np


def load(param, binf, binary, int8):
    net = ncnn.Net()
    net.opt.use_int8_inference = int8
    net.opt.num_threads = 1
    rc = net.load_param_bin(param) if binary else net.load_param(param)
    if rc != 0:
        sys.exit(f"load_param{'_bin' if binary else ''} failed for {param}")
    if net.load_model(binf) != 0:
        sys.exit(f"load_model failed for {binf}")
    return net


def run(net, inputs, outputs, key):
    ex = net.create_extractor()
    for inp, x in inputs:
        # clone: a Mat over numpy memory has no refcount, which an in-place first layer
        # (ReLU, Erf...) dereferences
        ex.input(inp[key], ncnn.Mat(x).clone())
    out = []
    for o in outputs:
        ret, m = ex.extract(o[key])
        if ret != 0:
            sys.exit(f"extract {o[key]!r} failed")
        out.append(np.array(m).copy())
    return out


def main():
    req = json.loads(sys.argv[1])
    rng = np.random.default_rng(0)
    inputs = [(i, rng.uniform(-1, 1, i["shape"]).astype(np.float32)) for i in req["inputs"]]
    int8 = bool(req.get("int8"))
    text = run(load(req["param"], req["bin"], False, int8), inputs, req["outputs"], "name")
    binary = run(load(req["param_bin"], req["bin"], True, int8), inputs, req["outputs"], "index")
    res = []
    for o, a, b in zip(req["outputs"], text, binary):
        res.append({
            "name": o["name"], "shape": list(a.shape), "identical": a.shape == b.shape and a.tobytes() == b.tobytes(),
            "max_abs_diff": float(np.max(np.abs(a - b))) if a.shape == b.shape and a.size else None,
            "nonzero": bool(np.any(a != 0)),
        })
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
