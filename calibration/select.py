#!/usr/bin/env python3
"""Rebuilds calibration/ from an ArcFace-aligned LFW copy (see README.md).

Picks LFW people who appear in no pair of pairs.txt (so the calibration set never touches the
LFW benchmark), orders them by SHA-1 of their name (a fixed, name-independent shuffle), takes
the first 500 and copies each one's first image. Usage:
    python calibration/select.py ../shared/data/lfw calibration/images
"""
import hashlib
import shutil
import sys
from pathlib import Path

COUNT = 500


def people_in_pairs(pairs_txt: Path) -> set[str]:
    names: set[str] = set()
    for line in pairs_txt.read_text().splitlines()[1:]:
        parts = line.split('\t')
        if len(parts) == 3:
            names.add(parts[0])
        elif len(parts) == 4:
            names.update((parts[0], parts[2]))
    return names


def select(lfw: Path) -> list[Path]:
    excluded = people_in_pairs(lfw / 'pairs.txt')
    people = sorted(p.name for p in (lfw / 'aligned112').iterdir() if p.is_dir() and p.name not in excluded)
    people.sort(key=lambda n: hashlib.sha1(n.encode()).hexdigest())
    chosen = []
    for name in people:
        images = sorted((lfw / 'aligned112' / name).glob('*.jpg'))
        if images:
            chosen.append(images[0])
        if len(chosen) == COUNT:
            break
    if len(chosen) < COUNT:
        raise SystemExit(f'only {len(chosen)} eligible people found')
    return chosen


def main() -> None:
    lfw, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for src in select(lfw):
        shutil.copyfile(src, out / src.name)
    print(f'{COUNT} images -> {out}')


if __name__ == '__main__':
    main()
