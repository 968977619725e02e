"""insightface RecordIO (train.rec + train.idx) without mxnet.

Record framing (dmlc-core RecordIO): uint32 magic 0xced7230a, uint32 whose low
29 bits are the payload length and high 3 bits a continuation flag, payload,
zero padding to 4 bytes. An image payload starts with mxnet's IRHeader
(uint32 flag, float32 label, uint64 id, uint64 id2); when flag > 0 it is
followed by `flag` float32 labels; the encoded image comes after.
insightface stores a header record at index 0 whose labels are
(first index past the images, ...): the images are indices 1..label[0]-1.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

MAGIC = 0xCED7230A
_IRHEADER = struct.Struct("<IfQQ")


class RecordIOError(ValueError):
    pass


def read_index(idx_path: Path) -> dict[int, int]:
    index: dict[int, int] = {}
    for n, line in enumerate(Path(idx_path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise RecordIOError(f"{idx_path}:{n}: expected `key offset`")
        index[int(parts[0])] = int(parts[1])
    return index


def unpack(payload: bytes) -> tuple[np.ndarray, bytes]:
    """(labels as float32 array, image bytes) of one image record."""
    flag, label, _, _ = _IRHEADER.unpack_from(payload, 0)
    off = _IRHEADER.size
    if flag > 0:
        labels = np.frombuffer(payload, dtype="<f4", count=flag, offset=off).copy()
        off += 4 * flag
    else:
        labels = np.array([label], dtype=np.float32)
    return labels, payload[off:]


def pack(label: float | list[float], image: bytes, ident: int = 0) -> bytes:
    if isinstance(label, (list, tuple, np.ndarray)):
        labels = np.asarray(label, dtype="<f4")
        return _IRHEADER.pack(len(labels), 0.0, ident, 0) + labels.tobytes() + image
    return _IRHEADER.pack(0, float(label), ident, 0) + image


class RecordReader:
    """Random access to records by key.

    Reads with os.pread (no shared file offset) on a descriptor opened per process:
    DataLoader workers forked from the parent must not share one seek position.
    """

    def __init__(self, rec_path: Path, idx_path: Path):
        self.rec_path = Path(rec_path)
        self.index = read_index(idx_path)
        self._fd = None
        self._pid = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_fd"] = None
        state["_pid"] = None
        return state

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.rec_path, os.O_RDONLY)
            self._pid = os.getpid()
        return self._fd

    def read_label(self, key: int) -> float:
        """First label of a record, reading only its header (fast index scans)."""
        head = self.read(key, limit=_IRHEADER.size + 4)
        flag, label, _, _ = _IRHEADER.unpack_from(head, 0)
        if flag > 0:
            return float(np.frombuffer(head, dtype="<f4", count=1, offset=_IRHEADER.size)[0])
        return float(label)

    def read(self, key: int, limit: int | None = None) -> bytes:
        fd = self._descriptor()
        try:
            offset = self.index[key]
        except KeyError:
            raise RecordIOError(f"{self.rec_path}: no record {key} in the index") from None
        head = os.pread(fd, 8, offset)
        if len(head) != 8:
            raise RecordIOError(f"{self.rec_path}: record {key} at {offset} is past the end")
        magic, lrec = struct.unpack("<II", head)
        if magic != MAGIC:
            raise RecordIOError(f"{self.rec_path}: bad magic at offset {offset} (record {key})")
        if lrec >> 29:
            raise RecordIOError(f"{self.rec_path}: record {key} is split in parts, which is not supported")
        length = lrec & ((1 << 29) - 1)
        want = length if limit is None else min(limit, length)
        data = os.pread(fd, want, offset + 8)
        if len(data) != want:
            raise RecordIOError(f"{self.rec_path}: record {key} is truncated")
        return data


def write_rec(rec_path: Path, idx_path: Path, items: list[tuple[float, bytes]], insightface_header: bool = True) -> None:
    """Write images in insightface layout (header record 0, images from 1). For tests and packing."""
    records: list[bytes] = []
    if insightface_header:
        n_classes = int(max(lbl for lbl, _ in items)) + 1 if items else 0
        records.append(pack([len(items) + 1, n_classes], b""))
    records += [pack(lbl, img, i) for i, (lbl, img) in enumerate(items, start=1 if insightface_header else 0)]
    with open(rec_path, "wb") as rec, open(idx_path, "w") as idx:
        for key, payload in enumerate(records):
            idx.write(f"{key}\t{rec.tell()}\n")
            rec.write(struct.pack("<II", MAGIC, len(payload)))
            rec.write(payload)
            rec.write(b"\0" * (-len(payload) % 4))
