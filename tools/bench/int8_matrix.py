"""INT8 accuracy of edgeface quantize on every backbone, per activation method.

For each ONNX model: `edgeface quantize` (CLI, the given method) on calibration images, then
the real ncnn runtime with use_int8_inference runs the INT8 model, and onnxruntime runs the
FP32 ONNX model, on held-out LFW faces (the first image of people who appear in pairs.txt,
so never in calibration/, which holds only people in no pair). Reports the embedding cosine
INT8 vs FP32 ONNX, mean and min, plus calibration wall time.

Used by tests/python/test_quantize_backbones.py (default method, CI) and as a benchmark:

    .venv/bin/python tools/bench/int8_matrix.py [model.onnx ...] [--methods kl,aciq,eq,minmax,percentile]

With no model it generates the converter's backbone fixtures (r18, r34, r50, r100, mbf:
seeded weights, calibrated BatchNorm) and adds models/edgeface-mbf.onnx.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import ncnn
import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "dist" / "src" / "cli.js"
LFW = ROOT.parent / "shared" / "data" / "lfw"
CALIB = ROOT / "calibration" / "images"
FIXTURES = ROOT / ".cache" / "fixtures-int8"
NETS = ("r18", "r34", "r50", "r100", "mbf")


def registered_methods() -> list[str]:
    """The activation methods `edgeface quantize --method` takes, from its registry
    (src/quantize/scales/registry.ts) rather than a copy of the list."""
    out = subprocess.run(["node", str(ROOT / "dist/src/quantize/scales/print-methods.js")], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["methods"]


def held_out_images(count: int = 200, lfw: Path = LFW) -> list[Path]:
    """Same selection as tests/quantize/heldout.ts: people in pairs.txt ordered by SHA-1."""
    people: set[str] = set()
    for line in (lfw / "pairs.txt").read_text().split("\n")[1:]:
        p = line.strip().split("\t")
        if len(p) == 3:
            people.add(p[0])
        elif len(p) == 4:
            people.update((p[0], p[2]))
    chosen = sorted(people, key=lambda s: hashlib.sha1(s.encode()).hexdigest())[:count]
    out = []
    for name in chosen:
        d = lfw / "aligned112" / name
        out.append(d / sorted(f for f in os.listdir(d) if f.endswith(".jpg"))[0])
    return out


@dataclass(frozen=True)
class Preprocess:
    color: str = "RGB"
    mean: tuple[float, float, float] = (127.5, 127.5, 127.5)
    std: tuple[float, float, float] = (127.5, 127.5, 127.5)

    @staticmethod
    def of(onnx_path: Path) -> "Preprocess":
        """From the model's edgeface.* metadata; ArcFace normalisation when absent."""
        meta = {p.key: p.value for p in onnx.load(str(onnx_path), load_external_data=False).metadata_props}
        trio = lambda k, d: tuple(float(v) for v in meta[k].split(",")) if k in meta else d
        return Preprocess(meta.get("edgeface.color", "RGB"), trio("edgeface.mean", Preprocess.mean), trio("edgeface.std", Preprocess.std))

    @staticmethod
    def preset(name: str) -> "Preprocess":
        """The CLI's --preset of that name (src/image/preprocess.ts), for models without metadata."""
        if name == "imagenet":
            return Preprocess("RGB", (0.485 * 255, 0.456 * 255, 0.406 * 255), (0.229 * 255, 0.224 * 255, 0.225 * 255))
        if name == "arcface":
            return Preprocess()
        raise ValueError(f"unknown preset {name!r} (arcface, imagenet)")

    def load(self, files: list[Path]) -> np.ndarray:
        """N x 3 x 112 x 112 float32."""
        x = np.stack([np.asarray(Image.open(f).convert("RGB"), np.float32).transpose(2, 0, 1) for f in files])
        if self.color == "BGR":
            x = x[:, ::-1]
        return np.ascontiguousarray((x - np.array(self.mean, np.float32)[:, None, None]) / np.array(self.std, np.float32)[:, None, None])


def onnx_embeddings(onnx_path: Path, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i : i + 1]})[0].reshape(1, -1) for i in range(len(x))])


def ncnn_embeddings(param: Path, binf: Path, x: np.ndarray, inp: str, out: str, int8: bool, threads: int = 2) -> np.ndarray:
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.use_int8_inference = int8
    net.opt.num_threads = threads
    assert net.load_param(str(param)) == 0, f"ncnn cannot load {param}"
    assert net.load_model(str(binf)) == 0, f"ncnn cannot load {binf}"
    rows = []
    for i in range(len(x)):
        ex = net.create_extractor()
        ex.input(inp, ncnn.Mat(x[i]).clone())
        ret, m = ex.extract(out)
        assert ret == 0, f"ncnn could not extract {out} from {param} (ret {ret})"
        rows.append(np.array(m).reshape(-1).copy())
    return np.stack(rows)


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-30)


@dataclass
class Result:
    model: str
    method: str
    mean: float
    min: float
    calib_images: int
    quantize_s: float
    quantized_layers: int
    kept_fp32: list[str]


def quantize_and_score(onnx_path: Path, method: str | None, work: Path, x: np.ndarray, ref: np.ndarray,
                       calib: Path = CALIB, calib_images: int = 128, extra: tuple[str, ...] = ()) -> Result:
    """edgeface quantize (CLI) with one method (None: the CLI default), INT8 in real ncnn vs
    the FP32 ONNX embeddings."""
    stem = work / f"{onnx_path.stem}-{method or 'default'}"
    how = ("--method", method) if method else ()
    t0 = time.perf_counter()
    r = subprocess.run(["node", str(CLI), "quantize", str(onnx_path), "--calib", str(calib), *how,
                        "--max-images", str(calib_images), "-o", str(stem), "--quiet", *extra],
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise AssertionError(f"edgeface quantize {onnx_path.name} {' '.join(how)} failed ({r.returncode}):\n{r.stderr}")
    g = onnx.load(str(onnx_path), load_external_data=False).graph
    got = ncnn_embeddings(Path(f"{stem}.param"), Path(f"{stem}.bin"), x, g.input[0].name, g.output[0].name, int8=True)
    cos = row_cosines(got, ref)
    # a quantizable layer is INT8 when its .param line sets int8_scale_term (id 8)
    layers = [line.split() for line in Path(f"{stem}.param").read_text().split("\n")
              if line.startswith(("Convolution ", "ConvolutionDepthWise ", "InnerProduct "))]
    int8 = [f for f in layers if any(t.startswith("8=") and t != "8=0" for t in f[4:])]
    kept = [f[1] for f in layers if f not in int8]
    return Result(onnx_path.name, method or "default", float(cos.mean()), float(cos.min()), calib_images, seconds, len(int8), kept)


TOOLS = ROOT / ".cache" / "ncnn-tools"


def ncnn_reference_score(onnx_path: Path, work: Path, x: np.ndarray, ref: np.ndarray, pre: Preprocess,
                         calib: Path = CALIB, calib_images: int = 128, method: str = "kl") -> Result:
    """ncnn's own ncnn2table + ncnn2int8 (tools/ncnn_build) on the same calibration images,
    scored like quantize_and_score: the reference edgeface must not be worse than."""
    stem = work / f"{onnx_path.stem}-ncnn"
    subprocess.run(["node", str(CLI), "convert", str(onnx_path), "-o", str(stem)], check=True, capture_output=True)
    files = sorted(p for p in calib.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:calib_images]
    (work / "list.txt").write_text("".join(f"{f}\n" for f in files))
    vec = lambda v: "[" + ",".join(f"{a:g}" for a in v) + "]"
    t0 = time.perf_counter()
    subprocess.run([str(TOOLS / "ncnn2table"), f"{stem}.param", f"{stem}.bin", str(work / "list.txt"), f"{stem}.table",
                    f"mean={vec(pre.mean)}", f"norm={vec([1 / s for s in pre.std])}", "shape=[112,112,3]",
                    f"pixel={pre.color}", f"method={method}"], check=True, capture_output=True)
    subprocess.run([str(TOOLS / "ncnn2int8"), f"{stem}.param", f"{stem}.bin", f"{stem}-int8.param", f"{stem}-int8.bin",
                    f"{stem}.table"], check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    g = onnx.load(str(onnx_path), load_external_data=False).graph
    cos = row_cosines(ncnn_embeddings(Path(f"{stem}-int8.param"), Path(f"{stem}-int8.bin"), x, g.input[0].name,
                                      g.output[0].name, int8=True), ref)
    return Result(onnx_path.name, f"ncnn2table {method}", float(cos.mean()), float(cos.min()), calib_images, seconds, -1, [])


def backbone_fixtures(nets: tuple[str, ...] = NETS, out: Path = FIXTURES) -> list[Path]:
    """One ONNX file per backbone (opset 17, classic exporter, static batch, BN folded)."""
    want = [out / f"{n}-classic-op17-static-bnfold-plain.onnx" for n in nets]
    if not all(p.exists() for p in want):
        subprocess.run([sys.executable, str(ROOT / "tools/fixtures/make_backbone_onnx.py"), str(out), "--full",
                        "--nets", ",".join(nets), "--opsets", "17", "--exporters", "classic", "--batch", "static",
                        "--bn", "fold", "--heads", "plain"], check=True, stdout=subprocess.DEVNULL)
    missing = [p.name for p in want if not p.exists()]
    assert not missing, f"fixture generator did not write {missing}"
    return want


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", nargs="*", type=Path)
    p.add_argument("--methods", help="comma-separated (default: every registered method)")
    p.add_argument("--held-out", type=int, default=200)
    p.add_argument("--calib-images", type=int, default=128)
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--reference", action="store_true", help="also score ncnn2table + ncnn2int8 (kl) on the same images")
    p.add_argument("--preset", choices=("arcface", "imagenet"),
                   help="preprocessing of every model (passed on to the CLI), instead of each model's metadata")
    a = p.parse_args(argv)
    models = a.models or [*backbone_fixtures(), ROOT / "models" / "edgeface-mbf.onnx"]
    files = held_out_images(a.held_out)
    results = []
    with tempfile.TemporaryDirectory(prefix="edgeface-int8-matrix-") as tmp:
        print(f"{'model':44s} {'method':10s} {'mean cos':>9s} {'min cos':>9s} {'int8 layers':>11s} {'quantize s':>10s}")
        for m in models:
            pre = Preprocess.preset(a.preset) if a.preset else Preprocess.of(m)
            extra = ("--preset", a.preset) if a.preset else ()
            x = pre.load(files)
            ref = onnx_embeddings(m, x)
            runs = [lambda method=method: quantize_and_score(m, method, Path(tmp), x, ref, calib_images=a.calib_images, extra=extra)
                    for method in (a.methods.split(",") if a.methods else registered_methods())]
            if a.reference:
                runs.append(lambda: ncnn_reference_score(m, Path(tmp), x, ref, pre, calib_images=a.calib_images))
            for run in runs:
                r = run()
                results.append(r)
                print(f"{r.model:44s} {r.method:10s} {r.mean:9.5f} {r.min:9.5f} {r.quantized_layers:11d} {r.quantize_s:10.1f}", flush=True)
    if a.json:
        a.json.write_text(json.dumps([r.__dict__ for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
