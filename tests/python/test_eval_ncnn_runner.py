"""tools/ncnn_runtime/runner.py speaks its framing correctly and returns exactly what the ncnn
runtime computes when called directly."""
import json
import os
import subprocess
import sys

import ncnn
import numpy as np
import pytest

from repo_paths import ROOT, SHARED_MODELS

REPO = str(ROOT)
MBF = str(SHARED_MODELS / "insightface-mbf-y1")


class Runner:
    def __init__(self):
        self.p = subprocess.Popen([sys.executable, os.path.join(REPO, "tools", "ncnn_runtime", "runner.py")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def request(self, header, payload=b""):
        self.p.stdin.write((json.dumps(header) + "\n").encode())
        self.p.stdin.write(payload)
        self.p.stdin.flush()
        reply = json.loads(self.p.stdout.readline())
        data = self.p.stdout.read(reply.get("bytes", 0)) if reply.get("bytes") else b""
        return reply, data

    def close(self):
        self.p.stdin.write(b'{"op":"quit"}\n')
        self.p.stdin.close()
        assert self.p.wait(timeout=30) == 0


def direct(x, fp16=False):
    net = ncnn.Net()
    net.opt.num_threads = 1
    net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = fp16
    net.opt.use_bf16_storage = False
    net.load_param(MBF + ".param")
    net.load_model(MBF + ".bin")
    outs = []
    for sample in x:
        ex = net.create_extractor()
        ex.input("data", ncnn.Mat(sample).clone())
        _, m = ex.extract("fc1")
        outs.append(np.array(m).copy())
    return np.stack(outs)


def test_batch_matches_direct_ncnn_bit_for_bit():
    x = (np.random.RandomState(0).rand(3, 3, 112, 112) * 255).astype(np.float32)
    r = Runner()
    reply, _ = r.request({"op": "load", "id": "m", "param": MBF + ".param", "bin": MBF + ".bin",
                          "options": {"threads": 1, "fp16": False}})
    assert reply == {"ok": True, "inputs": ["data"], "outputs": ["fc1"]}
    reply, data = r.request({"op": "run", "id": "m", "n": 3, "inputs": [{"name": "data", "shape": [3, 112, 112]}],
                             "outputs": ["fc1"]}, x.tobytes())
    assert reply["ok"] and reply["outputs"] == [{"name": "fc1", "shape": [128]}]
    got = np.frombuffer(data, dtype="<f4").reshape(3, 128)
    assert np.array_equal(got, direct(x))
    r.close()


def test_errors_keep_the_stream_in_sync():
    r = Runner()
    reply, _ = r.request({"op": "load", "id": "m", "param": "/nonexistent.param", "bin": None})
    assert not reply["ok"] and "no such file" in reply["error"]
    reply, _ = r.request({"op": "load", "id": "m", "param": MBF + ".param", "bin": MBF + ".bin",
                          "options": {"raw": {"not_an_option": 1}}})
    assert not reply["ok"] and "not_an_option" in reply["error"]
    reply, _ = r.request({"op": "load", "id": "m", "param": MBF + ".param", "bin": MBF + ".bin"})
    assert reply["ok"]
    x = np.zeros((1, 3, 112, 112), np.float32)
    spec = [{"name": "data", "shape": [3, 112, 112]}]
    reply, _ = r.request({"op": "run", "id": "m", "n": 1, "inputs": spec, "outputs": ["no_such_blob"]}, x.tobytes())
    assert not reply["ok"] and "no_such_blob" in reply["error"]
    reply, data = r.request({"op": "run", "id": "m", "n": 1, "inputs": spec, "outputs": ["fc1"]}, x.tobytes())
    assert reply["ok"] and len(data) == 128 * 4
    r.close()
