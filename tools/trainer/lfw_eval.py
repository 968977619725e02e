"""LFW-style verification: pairs file, embeddings, k-fold accuracy.

pairs.txt: first line `<folds> <n>`, then per fold n same-person lines
(`name i j`) and n different-person lines (`name1 i name2 j`). Image files
are <root>/<name>/<name>_<iiii>.jpg. Accuracy is the standard protocol: for
each fold pick the cosine threshold that is best on the other folds and count
that fold's correct decisions. A file of one fold (e.g. LFW fold 1 only) is
split into 10 interleaved sub-folds.

Also the command that scores an exported model (ONNX in onnxruntime, ncnn .param/.bin in
the ncnn runtime, `import ncnn`) on 112x112 aligned RGB crops normalised as
(x - 127.5) / 127.5 (ncnn: the same mean/scale by Mat.substract_mean_normalize):

    python tools/trainer/lfw_eval.py model.onnx --images LFW/aligned112 --pairs LFW/pairs.txt
    python tools/trainer/lfw_eval.py model.param --bin model.bin --images ... --pairs ...

It prints the accuracy and, with --json, writes it to a file.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Pairs:
    left: list[str]
    right: list[str]
    same: np.ndarray  # bool
    fold: np.ndarray  # int, 0..k-1

    @property
    def images(self) -> list[str]:
        return sorted(set(self.left) | set(self.right))


def read_pairs(path: str | Path) -> Pairs:
    path = Path(path)
    lines = path.read_text().splitlines()
    try:
        n_folds, n = (int(v) for v in lines[0].split()[:2])
    except (ValueError, IndexError):
        raise ValueError(f"{path}: first line must be `<folds> <pairs per half-fold>`") from None
    left, right, same = [], [], []
    for k, line in enumerate(lines[1:], 2):
        p = line.split()
        if not p:
            continue
        if len(p) == 3:
            left.append(f"{p[0]}/{p[0]}_{int(p[1]):04d}.jpg")
            right.append(f"{p[0]}/{p[0]}_{int(p[2]):04d}.jpg")
            same.append(True)
        elif len(p) == 4:
            left.append(f"{p[0]}/{p[0]}_{int(p[1]):04d}.jpg")
            right.append(f"{p[2]}/{p[2]}_{int(p[3]):04d}.jpg")
            same.append(False)
        else:
            raise ValueError(f"{path}:{k}: expected 3 or 4 fields")
    total = len(same)
    if total != n_folds * 2 * n:
        raise ValueError(f"{path}: header says {n_folds}x{2 * n} pairs, found {total}")
    idx = np.arange(total)
    fold = idx // (2 * n) if n_folds > 1 else idx % 10
    return Pairs(left, right, np.array(same), fold)


def kfold_accuracy(sims: np.ndarray, same: np.ndarray, fold: np.ndarray) -> tuple[float, float]:
    """(mean accuracy over folds, std) with the threshold chosen on the other folds."""
    accs = []
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        s, y = sims[train], same[train]
        cand = np.unique(s)
        cand = np.concatenate([[cand[0] - 1e-6], (cand[:-1] + cand[1:]) / 2, [cand[-1] + 1e-6]])
        # accuracy of "same if sim > t" for every candidate t, vectorised by sorting
        order = np.argsort(s)
        s_sorted, y_sorted = s[order], y[order]
        pos_below = np.concatenate([[0], np.cumsum(y_sorted)])  # same-pairs with sim <= k-th
        k = np.searchsorted(s_sorted, cand, side="right")
        neg_below = k - pos_below[k]
        correct = neg_below + (y.sum() - pos_below[k])
        t = cand[int(np.argmax(correct))]
        accs.append(float(((sims[test] > t) == same[test]).mean()))
    return float(np.mean(accs)), float(np.std(accs))


def load_images(root: str | Path, names: list[str]) -> np.ndarray:
    """N x 112 x 112 x 3 uint8 RGB."""
    from PIL import Image

    out = np.zeros((len(names), 112, 112, 3), dtype=np.uint8)
    for k, name in enumerate(names):
        path = Path(root) / name
        try:
            with Image.open(path) as im:
                im = im.convert("RGB")
                if im.size != (112, 112):
                    im = im.resize((112, 112), Image.BILINEAR)
                out[k] = np.asarray(im)
        except (OSError, ValueError) as exc:
            raise ValueError(f"validation image {path}: {exc}") from None
    return out


def accuracy_from_embeddings(pairs: Pairs, names: list[str], emb: np.ndarray) -> tuple[float, float]:
    emb = emb / np.linalg.norm(emb, axis=1, keepdims=True).clip(1e-12)
    pos = {n: k for k, n in enumerate(names)}
    a = emb[[pos[n] for n in pairs.left]]
    b = emb[[pos[n] for n in pairs.right]]
    return kfold_accuracy((a * b).sum(1), pairs.same, pairs.fold)


class TorchValidator:
    """Keeps the validation images decoded on the device; scores a backbone in eval mode."""

    def __init__(self, images_root: str, pairs_path: str, device, batch_size: int = 256):
        import torch

        self.pairs = read_pairs(pairs_path)
        self.names = self.pairs.images
        imgs = load_images(images_root, self.names)
        self.images = torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous().to(device)
        self.batch_size = batch_size

    def __call__(self, model, channels_last: bool = False, flip: bool = False) -> tuple[float, float]:
        import torch

        was_training = model.training
        model.eval()
        outs = []
        with torch.no_grad():
            for chunk in self.images.split(self.batch_size):
                x = chunk.float().sub_(127.5).div_(127.5)
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                e = model(x).float()
                if flip:
                    e = e + model(x.flip(3)).float()
                outs.append(e.cpu())
        model.train(was_training)
        return accuracy_from_embeddings(self.pairs, self.names, torch.cat(outs).numpy())


# --------------------------------------------------------------------------- the command

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
