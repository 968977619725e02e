#!/usr/bin/env python3
"""Persistent batch runner for the real ncnn runtime (PyPI package `ncnn`).

Driven by src/runtime/ncnn.ts over stdin/stdout so that a whole data set runs
through one process instead of one process per image.

Framing (both directions): one UTF-8 JSON line, then an optional raw payload
whose size the JSON line states. All tensors are little-endian float32, per
sample in ncnn's dense order (shape [w], [h, w], [c, h, w] or [c, d, h, w]).

Requests:
  {"op": "load", "id": "m0", "param": "...", "bin": "...", "options": {...}}
      -> {"ok": true, "inputs": [...], "outputs": [...]}
  {"op": "run", "id": "m0", "n": N,
   "inputs": [{"name": "data", "shape": [3, 112, 112]}, ...],
   "outputs": ["fc1", ...]}
   + payload: for each input in order, N * prod(shape) floats
      -> {"ok": true, "n": N, "outputs": [{"name": "fc1", "shape": [128]}], "bytes": B}
         + payload: for each output in order, N * prod(shape) floats
      An input {"name": "b", "kept": "k"} sends no payload: it is blob b as kept under k.
      With "keep": "k" the outputs are kept under k (replacing what was there) instead of
      sent back: the reply has their shapes and "bytes": 0.
  {"op": "forget", "key": "k"} -> {"ok": true}   (drops what is kept under k)
  {"op": "close", "id": "m0"}  -> {"ok": true}
  {"op": "quit"}               -> process exits
Any failure answers {"ok": false, "error": "..."}; the request's payload has
already been consumed, so the stream stays in sync and the process keeps serving.
"""

import json
import os
import sys

import numpy as np


def _claim_stdout():
    """Keep the protocol channel clean: C++ code that prints to fd 1 would
    corrupt the framing, so fd 1 is pointed at stderr and the protocol uses a
    private duplicate of the original stdout."""
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(proto_fd, "wb", buffering=0)


OUT = _claim_stdout()
IN = sys.stdin.buffer


def send(obj, payload=None):
    OUT.write((json.dumps(obj) + "\n").encode("utf-8"))
    if payload:
        OUT.write(payload)


def read_exact(n):
    chunks = []
    left = n
    while left > 0:
        chunk = IN.read(left)
        if not chunk:
            raise EOFError("stdin closed inside a payload")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


try:
    import ncnn  # noqa: E402
except Exception as exc:  # pragma: no cover - reported to the caller
    send({"ok": False, "fatal": True,
          "error": f"cannot import the Python package ncnn with {sys.executable}: {exc} (pip install ncnn)"})
    sys.exit(3)

# Option names accepted in "options" besides the shorthands below; every one is
# a plain attribute of ncnn.Option in the Python bindings.
_RAW_OPTION_NAMES = {
    name for name in dir(ncnn.Option())
    if not name.startswith("_") and isinstance(getattr(ncnn.Option(), name), (bool, int))
}


def apply_options(opt, options):
    """Shorthands: threads, fp16 (storage+packed+arithmetic), int8
    (use_int8_inference), lightmode; `raw` sets ncnn.Option attributes by name."""
    if "threads" in options:
        opt.num_threads = int(options["threads"])
    if "fp16" in options:
        flag = bool(options["fp16"])
        opt.use_fp16_storage = flag
        opt.use_fp16_packed = flag
        opt.use_fp16_arithmetic = flag
        # bf16 would also bypass fp32 math; keep "fp16 off" meaning true fp32.
        if not flag:
            opt.use_bf16_storage = False
            if hasattr(opt, "use_bf16_packed"):
                opt.use_bf16_packed = False
    if "int8" in options:
        opt.use_int8_inference = bool(options["int8"])
    if "lightmode" in options:
        opt.lightmode = bool(options["lightmode"])
    for name, value in (options.get("raw") or {}).items():
        if name not in _RAW_OPTION_NAMES:
            raise ValueError(f"unknown ncnn option {name!r}")
        current = getattr(opt, name)
        setattr(opt, name, type(current)(value))


class LoadedNet:
    def __init__(self, param, binpath, options):
        if not os.path.isfile(param):
            raise FileNotFoundError(f"{param}: no such file")
        if binpath and not os.path.isfile(binpath):
            raise FileNotFoundError(f"{binpath}: no such file")
        self.net = ncnn.Net()
        apply_options(self.net.opt, options)
        if self.net.load_param(param) != 0:
            raise ValueError(f"{param}: ncnn could not parse this .param")
        if binpath:
            if self.net.load_model(binpath) != 0:
                raise ValueError(f"{binpath}: ncnn could not load these weights (size does not match {param}?)")
        self.inputs = list(self.net.input_names())
        self.outputs = list(self.net.output_names())


def to_mat(arr):
    # ncnn.Mat(ndarray) only wraps the numpy memory; running on such a Mat
    # crashes this ncnn build (in-place layers), so own the data via clone().
    return ncnn.Mat(np.ascontiguousarray(arr)).clone()


# Blobs kept in this process between requests: key -> {blob: ndarray [n, ...]}. Lets a caller
# run a net in stages (e.g. up to a layer, the layer alone, on from it) without sending the
# intermediate blobs back and forth.
KEPT = {}


def run(net, req):
    n = int(req["n"])
    sizes = []
    from_kept = []
    for spec in req["inputs"]:
        if "kept" in spec:
            from_kept.append((spec["name"], spec["kept"]))
            continue
        shape = [int(v) for v in spec["shape"]]
        if not 1 <= len(shape) <= 4 or any(v <= 0 for v in shape):
            raise ValueError(f"input {spec['name']!r}: bad shape {shape}")
        sizes.append((spec["name"], shape, int(np.prod(shape))))
    # Consume the whole payload before validating anything else, to stay in sync.
    arrays = []
    for name, shape, size in sizes:
        raw = read_exact(n * size * 4)
        arrays.append((name, np.frombuffer(raw, dtype="<f4").reshape([n] + shape)))
    for name, key in from_kept:
        arr = KEPT.get(key, {}).get(name)
        if arr is None:
            raise KeyError(f"input {name!r}: no blob of that name kept under {key!r}")
        if arr.shape[0] != n:
            raise ValueError(f"input {name!r}: {arr.shape[0]} samples kept under {key!r}, {n} asked for")
        arrays.append((name, arr))
    if net is None:
        raise KeyError(f"no model loaded under id {req.get('id')!r}")
    out_names = list(req.get("outputs") or net.outputs)
    results = {name: [] for name in out_names}
    for i in range(n):
        ex = net.net.create_extractor()
        for name, arr in arrays:
            if ex.input(name, to_mat(arr[i])) != 0:
                raise ValueError(f"model has no input blob {name!r} (inputs: {net.inputs})")
        for name in out_names:
            ret, mat = ex.extract(name)
            if ret != 0:
                raise ValueError(f"extracting blob {name!r} failed (code {ret}); outputs: {net.outputs}")
            out = np.array(mat, dtype=np.float32)
            if results[name] and out.shape != results[name][0].shape:
                raise ValueError(f"blob {name!r} changes shape inside a batch: {list(results[name][0].shape)} then {list(out.shape)}")
            results[name].append(out)
        del ex
    shapes = [{"name": name, "shape": list(results[name][0].shape) if n else []} for name in out_names]
    keep = req.get("keep")
    if keep:
        # replaces what was kept under that key (after the inputs above were read from it)
        KEPT[keep] = {name: np.stack(results[name]) if n else np.zeros((0,), np.float32) for name in out_names}
        return {"ok": True, "n": n, "outputs": shapes, "bytes": 0}, None
    payload = b"".join(a.astype("<f4", copy=False).tobytes() for name in out_names for a in results[name])
    return {"ok": True, "n": n, "outputs": shapes, "bytes": len(payload)}, payload


def main():
    nets = {}
    while True:
        line = IN.readline()
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except json.JSONDecodeError as exc:
            send({"ok": False, "fatal": True, "error": f"bad request line: {exc}"})
            return
        op = req.get("op")
        try:
            if op == "quit":
                return
            if op == "load":
                net = LoadedNet(req["param"], req.get("bin"), req.get("options") or {})
                nets[req["id"]] = net
                send({"ok": True, "inputs": net.inputs, "outputs": net.outputs})
            elif op == "run":
                reply, payload = run(nets.get(req.get("id")), req)
                send(reply, payload)
            elif op == "close":
                nets.pop(req.get("id"), None)
                send({"ok": True})
            elif op == "forget":
                KEPT.pop(req.get("key"), None)
                send({"ok": True})
            else:
                send({"ok": False, "error": f"unknown op {op!r}"})
        except EOFError:
            return
        except Exception as exc:  # report and keep serving
            send({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
