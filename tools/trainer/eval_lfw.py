#!/usr/bin/env python3
"""LFW 10-fold verification accuracy of an exported model.

    python tools/trainer/eval_lfw.py model.onnx --images LFW/aligned112 --pairs LFW/pairs.txt
    python tools/trainer/eval_lfw.py model.param --bin model.bin --images ... --pairs ...

.onnx runs in onnxruntime; .param/.bin in the ncnn runtime (`import ncnn`).
Inputs are the 112x112 aligned RGB crops, normalised as (x - 127.5) / 127.5
(ncnn: the same mean/scale applied by Mat.substract_mean_normalize).
Prints the accuracy and, with --json, writes the accuracy and embeddings' file.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lfw_eval import accuracy_from_embeddings, load_images, read_pairs  # noqa: E402


def embed_onnx(model: Path, images: np.ndarray, flip: bool = False) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    fixed = inp.shape[0] if isinstance(inp.shape[0], int) else None
    x = (images.astype(np.float32).transpose(0, 3, 1, 2) - 127.5) / 127.5
    out = []
    step = fixed or 64
    for i in range(0, len(x), step):
        chunk = x[i:i + step]
        if fixed == 1:
            e = np.concatenate([sess.run(None, {inp.name: c[None]})[0] for c in chunk])
            if flip:
                e = e + np.concatenate([sess.run(None, {inp.name: c[None, :, :, ::-1].copy()})[0] for c in chunk])
        else:
            e = sess.run(None, {inp.name: chunk})[0]
            if flip:
                e = e + sess.run(None, {inp.name: chunk[..., ::-1].copy()})[0]
        out.append(e.reshape(len(chunk), -1))
    return np.concatenate(out)


def embed_ncnn(param: Path, binf: Path, images: np.ndarray, in_blob: str, out_blob: str,
               flip: bool = False, threads: int = 2) -> np.ndarray:
    import ncnn

    net = ncnn.Net()
    net.opt.num_threads = threads
    if net.load_param(str(param)) != 0 or net.load_model(str(binf)) != 0:
        raise ValueError(f"ncnn could not load {param} / {binf}")
    mean, norm = [127.5] * 3, [1 / 127.5] * 3

    def run(img: np.ndarray) -> np.ndarray:
        m = ncnn.Mat.from_pixels(np.ascontiguousarray(img), ncnn.Mat.PixelType.PIXEL_RGB, 112, 112)
        m.substract_mean_normalize(mean, norm)
        ex = net.create_extractor()
        ex.input(in_blob, m)
        _, out = ex.extract(out_blob)
        return np.array(out).reshape(-1)

    out = []
    for img in images:
        e = run(img)
        if flip:
            e = e + run(img[:, ::-1])
        out.append(e)
    return np.stack(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="LFW verification accuracy of an ONNX or ncnn model.")
    ap.add_argument("model", type=Path, help=".onnx, or ncnn .param (with --bin)")
    ap.add_argument("--bin", type=Path, help="ncnn .bin for a .param model")
    ap.add_argument("--images", required=True, type=Path, help="aligned image root (<Person>/<Person>_NNNN.jpg)")
    ap.add_argument("--pairs", required=True, type=Path, help="pairs.txt")
    ap.add_argument("--input-blob", default="data", help="ncnn input blob name")
    ap.add_argument("--output-blob", default="fc1", help="ncnn output blob name")
    ap.add_argument("--flip", action="store_true", help="add the embedding of the mirrored image")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--save-embeddings", type=Path, help="write the embeddings (.npy)")
    a = ap.parse_args(argv)
    try:
        pairs = read_pairs(a.pairs)
        names = pairs.images
        images = load_images(a.images, names)
        if a.model.suffix == ".onnx":
            emb = embed_onnx(a.model, images, a.flip)
            runtime = "onnxruntime"
        elif a.model.suffix == ".param":
            binf = a.bin or a.model.with_suffix(".bin")
            emb = embed_ncnn(a.model, binf, images, a.input_blob, a.output_blob, a.flip, a.threads)
            runtime = "ncnn"
        else:
            raise ValueError(f"{a.model}: expected a .onnx or .param file")
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    acc, std = accuracy_from_embeddings(pairs, names, emb)
    print(f"{a.model.name} [{runtime}{', flip' if a.flip else ''}]: LFW accuracy {acc * 100:.2f}% "
          f"+- {std * 100:.2f} over {len(set(pairs.fold.tolist()))} folds, {len(pairs.same)} pairs")
    if a.save_embeddings:
        np.save(a.save_embeddings, emb)
    if a.json:
        a.json.write_text(json.dumps({"model": str(a.model), "runtime": runtime, "flip": a.flip,
                                      "accuracy": acc, "std": std, "pairs": len(pairs.same)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
