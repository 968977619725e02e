"""Batches of uint8 face crops on the training device.

Every loader yields (images uint8 Nx3x112x112 on the device, labels int64,
augmentation draws Nx7 float (column 0 < 0.5 means flip, the rest drive
to_input's optional scale/rotation/shift/colour jitter), number of bad images
in the batch). Labels of bad images are -1, and
their pixels are zeros, so batch shapes (and DDP collectives) stay fixed; the
loss leaves those rows out. Which sample lands in which step, and whether it
is flipped, depends only on (seed, epoch), so a resumed run sees the same
batches. Loaders:

- workers:    DataLoader processes decode JPEGs on the CPU (libjpeg-turbo via
              torchvision.io), pinned memory, async copy.
- gpu_decode: workers only read the bytes; nvJPEG decodes the batch on the GPU.
- cache:      decode every image once (CPU workers) into one uint8 tensor kept
              on the GPU (or pinned CPU memory); a step is an index gather.
- synthetic:  one random batch already on the GPU (throughput reference).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from .sources import Source

SIZE = 112
AUG_DRAWS = 7


@dataclass
class EpochPlan:
    """Global sample order and flips of one epoch; rank r reads its slice of each global step."""

    order: torch.Tensor
    flips: torch.Tensor  # N x 7 uniform draws; see to_input

    @staticmethod
    def make(n: int, seed: int, epoch: int, flip: bool) -> "EpochPlan":
        g = torch.Generator().manual_seed(seed * 100003 + epoch)
        order = torch.randperm(n, generator=g)
        draws = torch.rand(n, AUG_DRAWS, generator=g)
        if not flip:
            draws[:, 0] = 1.0
        return EpochPlan(order, draws)

    def batch(self, step: int, rank: int, world: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = (step * world + rank) * batch_size
        return self.order[start:start + batch_size], self.flips[start:start + batch_size]


def steps_per_epoch(n: int, world: int, batch_size: int) -> int:
    return n // (world * batch_size)


def decode(data: bytes | torch.Tensor) -> torch.Tensor | None:
    """3x112x112 uint8 RGB, or None when the bytes are not a readable image."""
    import torchvision.io as tio

    try:
        buf = data if isinstance(data, torch.Tensor) else torch.frombuffer(bytearray(data), dtype=torch.uint8)
        img = tio.decode_image(buf, mode=tio.ImageReadMode.RGB)
    except Exception:
        return None
    if img.shape[1:] != (SIZE, SIZE):
        img = F.interpolate(img[None].float(), size=(SIZE, SIZE), mode="bilinear", align_corners=False)
        img = img[0].round().clamp(0, 255).to(torch.uint8)
    return img


def _warn_bad(name: str) -> None:
    print(f"[data] skipping unreadable image: {name}", file=sys.stderr, flush=True)


class _DecodedBatches(torch.utils.data.Dataset):
    """Item b = decoded batch b of a list of index tensors (one worker decodes a whole batch)."""

    def __init__(self, source: Source, batches: list[torch.Tensor], raw: bool = False):
        self.source, self.batches, self.raw = source, batches, raw

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, b: int):
        idx = self.batches[b]
        labels = torch.tensor([self.source.labels[i] for i in idx.tolist()], dtype=torch.int64)
        if self.raw:  # gpu_decode: bytes only
            blobs = []
            for i in idx.tolist():
                try:
                    blobs.append(torch.frombuffer(bytearray(self.source.read_bytes(i)), dtype=torch.uint8))
                except (OSError, ValueError):
                    blobs.append(torch.empty(0, dtype=torch.uint8))
            return blobs, labels
        out = torch.zeros(len(idx), 3, SIZE, SIZE, dtype=torch.uint8)
        for k, i in enumerate(idx.tolist()):
            try:
                img = decode(self.source.read_bytes(i))
            except (OSError, ValueError):  # unreadable file, corrupt record (RecordIOError)
                img = None
            if img is None:
                _warn_bad(self.source.names[i])
                labels[k] = -1
            else:
                out[k] = img
        return out, labels


def _loader(ds, num_workers: int, pin: bool):
    return torch.utils.data.DataLoader(
        ds, batch_size=None, shuffle=False, num_workers=num_workers, pin_memory=pin,
        persistent_workers=False, prefetch_factor=4 if num_workers > 0 else None,
        collate_fn=(lambda x: x) if isinstance(ds, _DecodedBatches) and ds.raw else None)


class Loader:
    def __init__(self, source: Source, mode: str, batch_size: int, rank: int, world: int, seed: int,
                 flip: bool, device: torch.device, num_workers: int = 4, cache_device: str = "cuda",
                 log=print):
        self.source, self.mode, self.batch_size = source, mode, batch_size
        self.rank, self.world, self.seed, self.flip = rank, world, seed, flip
        self.device, self.num_workers = device, num_workers
        self.valid_index = torch.arange(len(source))  # positions of usable images
        self.bad_total = 0
        self._cache = None
        self._cache_labels = None
        if mode == "cache":
            self._build_cache(cache_device if device.type == "cuda" else "cpu", log)
        elif mode == "synthetic":
            g = torch.Generator().manual_seed(seed)
            self._syn_images = torch.randint(0, 256, (batch_size, 3, SIZE, SIZE), generator=g,
                                             dtype=torch.uint8).to(device)
            self._syn_labels = torch.randint(0, source.num_classes, (batch_size,), generator=g).to(device)

    @property
    def num_samples(self) -> int:
        return len(self.valid_index)

    def steps_per_epoch(self) -> int:
        return steps_per_epoch(self.num_samples, self.world, self.batch_size)

    def _build_cache(self, where: str, log) -> None:
        n = len(self.source)
        chunks = list(torch.arange(n).split(256))
        images = torch.empty(n, 3, SIZE, SIZE, dtype=torch.uint8, pin_memory=(where == "cpu" and torch.cuda.is_available()))
        labels = torch.empty(n, dtype=torch.int64)
        pos = 0
        for imgs, lbls in _loader(_DecodedBatches(self.source, chunks), self.num_workers, False):
            images[pos:pos + len(lbls)] = imgs
            labels[pos:pos + len(lbls)] = lbls
            pos += len(lbls)
        good = torch.nonzero(labels >= 0, as_tuple=True)[0]
        self.bad_total = n - len(good)
        self.valid_index = good
        dev = self.device if where == "cuda" else torch.device("cpu")
        self._cache = images[good].to(dev) if self.bad_total else images.to(dev)
        self._cache_labels = labels[good].to(dev)
        log(f"[data] cached {len(good)} decoded images on {dev} ({self._cache.numel() / 2**20:.0f} MiB), "
            f"skipped {self.bad_total} unreadable")

    def epoch(self, epoch: int, start_step: int = 0):
        """Yield (images, labels, flips, n_bad) for the steps of `epoch` from `start_step`."""
        steps = self.steps_per_epoch()
        if self.mode == "synthetic":
            flips = torch.ones(self.batch_size, AUG_DRAWS, device=self.device)
            for _ in range(start_step, steps):
                yield self._syn_images, self._syn_labels, flips, 0
            return
        plan = EpochPlan.make(self.num_samples, self.seed, epoch, self.flip)
        batches, flips = zip(*[plan.batch(s, self.rank, self.world, self.batch_size)
                               for s in range(start_step, steps)]) if steps > start_step else ((), ())
        if self.mode == "cache":
            for idx, fl in zip(batches, flips):
                i = idx.to(self._cache.device, non_blocking=True)
                yield (self._cache[i].to(self.device, non_blocking=True),
                       self._cache_labels[i].to(self.device, non_blocking=True),
                       fl.to(self.device, non_blocking=True), 0)
            return
        real = [self.valid_index[b] for b in batches]
        raw = self.mode == "gpu_decode"
        pin = self.device.type == "cuda"
        for (data, labels), fl in zip(_loader(_DecodedBatches(self.source, real, raw=raw),
                                                self.num_workers, pin and not raw), flips):
            if raw:
                images, labels = self._gpu_decode(data, labels)
            else:
                images = data.to(self.device, non_blocking=True)
            n_bad = int((labels < 0).sum())
            self.bad_total += n_bad
            yield images, labels.to(self.device, non_blocking=True), fl.to(self.device, non_blocking=True), n_bad

    def _gpu_decode(self, blobs: list[torch.Tensor], labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        import torchvision.io as tio

        try:
            imgs = tio.decode_jpeg(blobs, device=self.device, mode=tio.ImageReadMode.RGB)
        except Exception:
            imgs = []
            for k, b in enumerate(blobs):
                try:
                    imgs.append(tio.decode_jpeg(b, device=self.device, mode=tio.ImageReadMode.RGB))
                except Exception:
                    imgs.append(None)
        if all(img is not None and img.shape[1:] == (SIZE, SIZE) for img in imgs):
            return torch.stack(imgs), labels
        out = torch.zeros(len(blobs), 3, SIZE, SIZE, dtype=torch.uint8, device=self.device)
        for k, img in enumerate(imgs):
            if img is None:
                labels[k] = -1
                continue
            if img.shape[1:] != (SIZE, SIZE):
                img = F.interpolate(img[None].float(), size=(SIZE, SIZE), mode="bilinear",
                                    align_corners=False)[0].round().clamp(0, 255).to(torch.uint8)
            out[k] = img
        return out, labels


def to_input(images: torch.Tensor, draws: torch.Tensor, channels_last: bool, scale: float = 0.0,
             rotate: float = 0.0, shift: float = 0.0, color: float = 0.0) -> torch.Tensor:
    """uint8 NCHW -> float in [-1, 1] ((x - 127.5) / 127.5), augmented on the device.

    draws (N x 7, uniform in [0, 1)): [0] < 0.5 flips; [1..4] pick the scale factor
    (1 +- scale), rotation (+- rotate degrees) and shift (+- shift x image side) of a
    random similarity warp; [5], [6] the brightness and contrast factors (1 +- color).
    Disabled parts cost nothing. No .any()/.item(): those would stall the GPU.
    """
    x = images.float()
    x = torch.where((draws[:, 0] < 0.5).view(-1, 1, 1, 1), x.flip(3), x)
    if scale or rotate or shift:
        d = draws.to(x.dtype) * 2 - 1  # [-1, 1)
        s = 1 + scale * d[:, 1]
        a = torch.deg2rad(rotate * d[:, 2])
        cos, sin = torch.cos(a) / s, torch.sin(a) / s
        theta = torch.stack([torch.stack([cos, -sin, 2 * shift * d[:, 3]], 1),
                             torch.stack([sin, cos, 2 * shift * d[:, 4]], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if color:
        d = draws.to(x.dtype) * 2 - 1
        bright = (1 + color * d[:, 5]).view(-1, 1, 1, 1)
        contrast = (1 + color * d[:, 6]).view(-1, 1, 1, 1)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = ((x - mean) * contrast + mean * bright).clamp_(0, 255)
    x = x.sub_(127.5).div_(127.5)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x
