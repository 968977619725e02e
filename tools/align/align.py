#!/usr/bin/env python3
"""Align face photos to 112x112 ArcFace crops.

    python tools/align/align.py INPUT_DIR OUTPUT_DIR [--landmarks FILE --landmark-scale S]

Every image under INPUT_DIR (any depth) becomes OUTPUT_DIR/<same relative path>.jpg.
Without --landmarks, MTCNN (facenet-pytorch) finds 5 landmarks; images with no face
are skipped and counted. With --landmarks (lines `relpath x1 y1 ... x5 y5`) it only
warps, and only the listed images that exist under INPUT_DIR. Each crop is written to
a temporary file and renamed, so an interrupted run leaves no half-written images and
a rerun skips what is already done (--overwrite redoes it).
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warp import CROP_SIZE, align_face  # noqa: E402

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass
class Counts:
    aligned: int = 0
    skipped_existing: int = 0
    no_face: int = 0
    unreadable: int = 0
    failures: list[str] = field(default_factory=list)


def read_landmarks(path: Path, scale: float) -> dict[str, np.ndarray]:
    table: dict[str, np.ndarray] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 11:
            raise ValueError(f"{path}:{n}: expected `path x1 y1 ... x5 y5`, got {len(parts)} fields")
        try:
            table[parts[0]] = np.array([float(v) for v in parts[1:]]).reshape(5, 2) * scale
        except ValueError:
            raise ValueError(f"{path}:{n}: landmark values must be numbers") from None
    return table


def list_images(root: Path) -> list[str]:
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if Path(f).suffix.lower() in IMAGE_EXTS:
                out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return sorted(out)


def load_rgb(path: Path) -> np.ndarray | None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except Exception:
        return None


def save_jpeg(img: np.ndarray, dest: Path, quality: int) -> None:
    from PIL import Image

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    Image.fromarray(img).save(tmp, format="JPEG", quality=quality, optimize=True)
    os.replace(tmp, dest)


_detector = None


def _init_worker(min_face: int, min_prob: float) -> None:
    global _detector
    import torch

    torch.set_num_threads(1)
    from detect import LandmarkDetector

    _detector = LandmarkDetector(min_face_size=min_face, min_prob=min_prob)


def _job(args: tuple) -> tuple[str, str]:
    src, dest, landmarks, quality, size = args
    img = load_rgb(Path(src))
    if img is None:
        return "unreadable", src
    if landmarks is None:
        landmarks = _detector.detect(img)
        if landmarks is None:
            return "no_face", src
    save_jpeg(align_face(img, landmarks, size), Path(dest), quality)
    return "aligned", src


def align_tree(input_dir: Path, output_dir: Path, landmarks: dict[str, np.ndarray] | None = None,
               quality: int = 95, size: int = CROP_SIZE, workers: int = 1, overwrite: bool = False,
               min_face: int = 40, min_prob: float = 0.9, progress: bool = True) -> Counts:
    counts = Counts()
    rels = list_images(input_dir)
    if landmarks is not None:
        rels = [r for r in rels if r in landmarks]
    jobs = []
    for rel in rels:
        dest = output_dir / Path(rel).with_suffix(".jpg")
        if dest.exists() and not overwrite:
            counts.skipped_existing += 1
            continue
        jobs.append((str(input_dir / rel), str(dest),
                     None if landmarks is None else landmarks[rel], quality, size))
    if landmarks is None and jobs:
        # also in the parent when using workers: a missing detector must fail here, not
        # inside a pool initializer (which multiprocessing would retry forever)
        _init_worker(min_face, min_prob)
    results: list
    if workers <= 1:
        results = map(_job, jobs)
        pool = None
    else:
        pool = get_context("fork").Pool(workers, initializer=_init_worker if landmarks is None else None,
                                        initargs=(min_face, min_prob) if landmarks is None else ())
        results = pool.imap_unordered(_job, jobs, chunksize=16)
    try:
        for i, (status, src) in enumerate(results, 1):
            setattr(counts, status, getattr(counts, status) + 1)
            if status != "aligned":
                counts.failures.append(f"{status}: {src}")
            if progress and (i % 500 == 0 or i == len(jobs)):
                print(f"[align] {i}/{len(jobs)} aligned={counts.aligned} no_face={counts.no_face} "
                      f"unreadable={counts.unreadable}", file=sys.stderr, flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Align face photos to 112x112 ArcFace crops.")
    ap.add_argument("input_dir", type=Path)
    ap.add_argument("output_dir", type=Path)
    ap.add_argument("--landmarks", type=Path, help="file of `relpath x1 y1 ... x5 y5`: warp only, no detection")
    ap.add_argument("--landmark-scale", type=float, default=1.0, help="multiply the given landmarks by this")
    ap.add_argument("--quality", type=int, default=95, help="JPEG quality of the crops (1-100)")
    ap.add_argument("--size", type=int, default=CROP_SIZE, help="crop side in pixels (template scales)")
    ap.add_argument("--workers", type=int, default=1, help="parallel processes")
    ap.add_argument("--min-face", type=int, default=40, help="smallest face side to detect, pixels")
    ap.add_argument("--min-prob", type=float, default=0.9, help="detector confidence threshold")
    ap.add_argument("--overwrite", action="store_true", help="redo crops that already exist")
    ap.add_argument("--failures", type=Path, help="write the skipped images (with the reason) here")
    a = ap.parse_args(argv)
    if not a.input_dir.is_dir():
        print(f"error: input folder not found: {a.input_dir}", file=sys.stderr)
        return 2
    if not 1 <= a.quality <= 100:
        print(f"error: --quality must be 1..100, got {a.quality}", file=sys.stderr)
        return 2
    try:
        lms = read_landmarks(a.landmarks, a.landmark_scale) if a.landmarks else None
        counts = align_tree(a.input_dir, a.output_dir, lms, a.quality, a.size, a.workers,
                            a.overwrite, a.min_face, a.min_prob)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # detector missing etc.
        if type(exc).__name__ == "NoDetectorError":
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
    if a.failures:
        a.failures.write_text("".join(f + "\n" for f in counts.failures))
    print(f"aligned {counts.aligned}, already done {counts.skipped_existing}, "
          f"no face {counts.no_face}, unreadable {counts.unreadable}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
