"""Training-data sources: where each image's bytes come from and its label.

Three layouts, picked from what `rec` points at:
- a folder holding train.rec + train.idx: insightface RecordIO;
- a file: label list, one `path label` per line (relative paths are taken
  from the list's folder);
- a folder: one sub-folder per identity (sorted names -> labels 0..N-1).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .recordio import RecordReader, unpack

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


class DataError(ValueError):
    pass


@dataclass
class Source:
    """Random access to (encoded image bytes, label) by position."""

    labels: list[int]
    names: list[str]           # for error messages: path or rec key
    _paths: list[str] | None = None
    _reader: RecordReader | None = None
    _keys: list[int] | None = None

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_classes(self) -> int:
        return max(self.labels) + 1 if self.labels else 0

    def read_bytes(self, i: int) -> bytes:
        if self._paths is not None:
            with open(self._paths[i], "rb") as fh:
                return fh.read()
        _, img = unpack(self._reader.read(self._keys[i]))
        return img


def _folder_source(root: Path) -> Source:
    ids = sorted(d for d in os.listdir(root) if (root / d).is_dir())
    if not ids:
        raise DataError(f"{root}: no identity sub-folders found")
    paths, labels = [], []
    for label, ident in enumerate(ids):
        for f in sorted(os.listdir(root / ident)):
            if Path(f).suffix.lower() in IMAGE_EXTS:
                paths.append(str(root / ident / f))
                labels.append(label)
    if not paths:
        raise DataError(f"{root}: no images in the identity folders")
    return Source(labels=labels, names=paths, _paths=paths)


def _list_source(list_file: Path) -> Source:
    paths, labels = [], []
    base = list_file.parent
    for n, line in enumerate(list_file.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2:
            raise DataError(f"{list_file}:{n}: expected `path label`")
        try:
            label = int(parts[1])
        except ValueError:
            raise DataError(f"{list_file}:{n}: label '{parts[1]}' is not an integer") from None
        if label < 0:
            raise DataError(f"{list_file}:{n}: negative label {label}")
        p = Path(parts[0])
        paths.append(str(p if p.is_absolute() else base / p))
        labels.append(label)
    if not paths:
        raise DataError(f"{list_file}: no entries")
    return Source(labels=labels, names=paths, _paths=paths)


def _rec_source(folder: Path) -> Source:
    reader = RecordReader(folder / "train.rec", folder / "train.idx")
    if not reader.index:
        raise DataError(f"{folder / 'train.idx'}: empty index")
    header = reader.read(0) if 0 in reader.index else None
    if header is not None and _is_insightface_header(header):
        keys = list(range(1, int(unpack(header)[0][0])))
    else:
        keys = sorted(reader.index)
    labels = [int(reader.read_label(k)) for k in keys]
    return Source(labels=labels, names=[f"{folder / 'train.rec'}#{k}" for k in keys], _reader=reader, _keys=keys)


def _is_insightface_header(payload: bytes) -> bool:
    import struct

    flag = struct.unpack_from("<I", payload, 0)[0]
    return flag > 0 and len(unpack(payload)[1]) == 0


def open_source(rec: str | os.PathLike) -> Source:
    p = Path(rec)
    if p.is_dir() and (p / "train.rec").is_file():
        if not (p / "train.idx").is_file():
            raise DataError(f"{p}: train.rec without train.idx")
        return _rec_source(p)
    if p.is_file():
        return _list_source(p)
    if p.is_dir():
        return _folder_source(p)
    raise DataError(f"training data not found: {rec}")
