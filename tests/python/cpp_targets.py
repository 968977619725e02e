"""Helpers for the C++ target tests: build ncnn and the embedder's test driver
(targets/cpp, tools/edgeface_embed.cpp) for the host or for aarch64 (run under
qemu-aarch64), write a model spec, feed the driver raw pixel buffers and read the
embeddings back, and compute the same embeddings with the Python ncnn runtime.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import ncnn
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "src" / "cli.js"
LFW = ROOT.parent / "shared" / "data" / "lfw"
QEMU_SYSROOT = "/usr/aarch64-linux-gnu"
ARCHES = ("host", "aarch64")


def required() -> bool:
    """In CI (.ci/run) a missing toolchain is a failure, not a skip."""
    return os.environ.get("EDGEFACE_REQUIRE_NCNN_TOOLS") == "1"


def have_toolchain(arch: str) -> bool:
    tools = ["cmake", "make", "c++"]
    ok = all(shutil.which(t) for t in tools)
    if arch == "aarch64":
        r = subprocess.run([str(ROOT / "tools" / "ncnn_build" / "cross-deps.sh")], capture_output=True, text=True)
        ok = ok and r.returncode == 0
    return ok


def build_dir(arch: str) -> Path:
    """targets/cpp's tools built for arch (targets/cpp/build-tools.sh; cached, incremental)."""
    r = subprocess.run([str(ROOT / "targets" / "cpp" / "build-tools.sh"), arch], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"targets/cpp/build-tools.sh {arch} failed:\n{r.stderr[-3000:]}")
    return Path(r.stdout.strip().splitlines()[-1])


def build_driver(arch: str) -> Path:
    return build_dir(arch) / "edgeface-embed"


def launcher(arch: str) -> list[str]:
    return ["qemu-aarch64", "-L", QEMU_SYSROOT] if arch == "aarch64" else []


def edgeface_cli(*args: str) -> subprocess.CompletedProcess:
    r = subprocess.run(["node", str(CLI), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"edgeface {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def blob_names(param: Path) -> list[str]:
    """Blob names of a text .param in index order (ncnn numbers blobs as they first appear)."""
    names: list[str] = []
    seen: set[str] = set()
    for line in param.read_text().splitlines()[2:]:
        f = line.split()
        if len(f) < 4:
            continue
        nb, nt = int(f[2]), int(f[3])
        for b in f[4:4 + nb + nt]:
            if b not in seen:
                seen.add(b)
                names.append(b)
    return names


def output_size(param: Path, binf: Path, inp: str, outp: str, w: int, h: int) -> int:
    """Embedding size, from one run of the Python ncnn runtime."""
    net = ncnn.Net()
    net.load_param(str(param))
    net.load_model(str(binf))
    ex = net.create_extractor()
    ex.input(inp, ncnn.Mat(np.zeros((3, h, w), np.float32)))
    _, o = ex.extract(outp)
    return int(np.array(o).size)


def write_spec(param: Path, sidecar: Path, out: Path, int8: bool = False) -> dict:
    """Key=value spec for the driver, from the converter's .param.json sidecar."""
    meta = json.loads(sidecar.read_text())
    pre = meta["preprocess"]
    h, w = pre["size"]
    names = blob_names(param)
    inp, outp = meta["inputs"][0]["name"], meta["outputs"][0]
    spec = {
        "name": param.stem, "input_name": inp, "output_name": outp,
        "input_blob": names.index(inp), "output_blob": names.index(outp),
        "width": w, "height": h, "order": pre["color"].lower(),
        "mean": ",".join(f"{m:.9g}" for m in pre["mean"]),
        "norm": ",".join(f"{1.0 / s:.9g}" for s in pre["std"]),
        "embedding_size": output_size(param, param.with_suffix(".bin"), inp, outp, w, h), "int8": int(int8),
    }
    out.write_text("\n".join(f"{k}={v}" for k, v in spec.items()) + "\n")
    return spec


def to_nv21(rgb: np.ndarray) -> bytes:
    """BT.601 full-range NV21 (Y plane, then interleaved V/U at half resolution)."""
    x = rgb.astype(np.float64)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    sub = lambda c: c.reshape(c.shape[0] // 2, 2, c.shape[1] // 2, 2).mean((1, 3))
    vu = np.stack([sub(v), sub(u)], -1)
    clip = lambda a: np.clip(np.rint(a), 0, 255).astype(np.uint8)
    return clip(y).tobytes() + clip(vu).tobytes()


def pixel_bytes(rgb: np.ndarray, fmt: str) -> bytes:
    if fmt == "rgb":
        return rgb.tobytes()
    if fmt == "bgr":
        return rgb[..., ::-1].tobytes()
    alpha = np.full(rgb.shape[:2] + (1,), 255, np.uint8)
    if fmt == "rgba":
        return np.concatenate([rgb, alpha], -1).tobytes()
    if fmt == "bgra":
        return np.concatenate([rgb[..., ::-1], alpha], -1).tobytes()
    if fmt == "nv21":
        return to_nv21(rgb)
    raise ValueError(fmt)


def write_item_list(d: Path, items: list[tuple]) -> Path:
    """Writes each item's pixels to d/<i>.raw and the embedder test program's list file
    (one line per image: path width height stride format [10 landmark coordinates])."""
    lines = []
    for i, (px, w, h, stride, fmt, lm) in enumerate(items):
        p = d / f"{i}.raw"
        p.write_bytes(px)
        lm_text = "" if lm is None else " " + " ".join(f"{v:.6f}" for v in np.asarray(lm).reshape(-1))
        lines.append(f"{p} {w} {h} {stride} {fmt}{lm_text}")
    out = d / "list.txt"
    out.write_text("\n".join(lines) + "\n")
    return out


class Driver:
    """Runs edgeface-embed over a list of images (one process per call)."""

    def __init__(self, arch: str, exe: Path, spec: Path, param: Path, binf: Path, workdir: Path):
        self.arch, self.exe, self.spec, self.param, self.bin, self.dir = arch, exe, spec, param, binf, workdir
        self.count = 0

    def run(self, items: list[tuple], extra: tuple[str, ...] = (), check_ok: bool = True,
            param: Path | None = None) -> tuple[np.ndarray, list[str]]:
        """items: (pixels bytes, width, height, stride, format, landmarks or None)."""
        dim = int(dict(line.split("=", 1) for line in self.spec.read_text().split())["embedding_size"])
        self.count += 1
        d = self.dir / f"run{self.count}"
        d.mkdir(parents=True)
        write_item_list(d, items)
        out = d / "out.f32"
        cmd = [*launcher(self.arch), str(self.exe), str(self.spec), str(param or self.param), str(self.bin),
               str(d / "list.txt"), str(out), *extra]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stderr[-2000:]}")
        status = r.stdout.splitlines()
        if check_ok:
            bad = [f"{lines[i]}: {s}" for i, s in enumerate(status) if s != "ok"]
            assert not bad, "\n".join(bad[:5])
        emb = np.fromfile(out, dtype=np.float32).reshape(len(items), dim)
        shutil.rmtree(d)
        return emb, status


def load_rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def python_ncnn_embed(param: Path, binf: Path, spec: dict, crops: list[np.ndarray]) -> np.ndarray:
    """Reference: the PyPI ncnn runtime, FP32 math, same preprocessing (pixels of the spec's
    size in RGB order, converted to the model's order by from_pixels)."""
    net = ncnn.Net()
    net.opt.num_threads = 1
    net.opt.use_fp16_storage = net.opt.use_fp16_packed = net.opt.use_fp16_arithmetic = False
    net.opt.use_bf16_storage = False
    net.load_param(str(param))
    net.load_model(str(binf))
    mean = [float(v) for v in spec["mean"].split(",")]
    norm = [float(v) for v in spec["norm"].split(",")]
    kind = ncnn.Mat.PixelType.PIXEL_RGB if spec["order"] == "rgb" else ncnn.Mat.PixelType.PIXEL_RGB2BGR
    out = []
    for rgb in crops:
        h, w = rgb.shape[:2]
        m = ncnn.Mat.from_pixels(np.ascontiguousarray(rgb), kind, w, h)
        m.substract_mean_normalize(mean, norm)
        ex = net.create_extractor()
        ex.input(spec["input_name"], m)
        _, o = ex.extract(spec["output_name"])
        v = np.array(o, dtype=np.float64).reshape(-1)
        out.append(v / np.linalg.norm(v))
    return np.stack(out).astype(np.float32)


def fold1_pairs() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Images of the first 600 pairs of pairs.txt (LFW fold 1), pair indices and labels."""
    lines = (LFW / "pairs.txt").read_text().splitlines()[1:601]
    images: list[str] = []
    index: dict[str, int] = {}
    pairs, same = [], []

    def img(name: str, i: str) -> int:
        rel = f"{name}/{name}_{int(i):04d}.jpg"
        if rel not in index:
            index[rel] = len(images)
            images.append(rel)
        return index[rel]

    for line in lines:
        f = line.strip().split("\t")
        if len(f) == 3:
            pairs.append((img(f[0], f[1]), img(f[0], f[2])))
            same.append(True)
        else:
            pairs.append((img(f[0], f[1]), img(f[2], f[3])))
            same.append(False)
    return images, np.array(pairs), np.array(same)


def landmarks() -> dict[str, np.ndarray]:
    """landmarks.txt, in the 250x250 originals' coordinates."""
    out = {}
    for line in (LFW / "landmarks.txt").read_text().splitlines():
        f = line.split()
        if len(f) == 11:
            out[f[0]] = np.array([float(v) for v in f[1:]], dtype=np.float64)
    return out


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def held_out_images(count: int = 200) -> list[Path]:
    """tests/quantize/heldout.ts's held-out faces: the first image of `count` people who
    appear in pairs.txt (so never in calibration/), ordered by the SHA-1 of their name."""
    import hashlib

    names: set[str] = set()
    for line in (LFW / "pairs.txt").read_text().splitlines()[1:]:
        f = line.strip().split("\t")
        if len(f) == 3:
            names.add(f[0])
        elif len(f) == 4:
            names.update((f[0], f[2]))
    people = sorted(names, key=lambda p: hashlib.sha1(p.encode()).hexdigest())[:count]
    return [sorted((LFW / "aligned112" / p).glob("*.jpg"))[0] for p in people]
