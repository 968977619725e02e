"""MobileFaceNet as used by insightface's arcface_torch ("mbf").

Module nesting mirrors arcface_torch so that state_dict keys match its checkpoints
(``layers.3.layers.0.layers.1.layers.0.weight``, ``features.layers.2.weight`` ...). Each
building block keeps its parts in an inner ``nn.Sequential`` called ``layers`` for that
reason.
"""

from __future__ import annotations

import contextlib
from typing import Sequence, Tuple

import torch
from torch import nn

__all__ = [
    "Flatten",
    "ConvBlock",
    "LinearBlock",
    "DepthWise",
    "Residual",
    "GDC",
    "MobileFaceNet",
    "get_mbf",
    "get_mbf_large",
]

Pair = Tuple[int, int]


class Flatten(nn.Module):
    """Flatten with ``view(batch, -1)`` (not ``torch.flatten``).

    Kept as a view on purpose: exported graphs then carry the Shape/Gather/Reshape pattern
    that real arcface_torch MobileFaceNet ONNX files have.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), -1)


class ConvBlock(nn.Module):
    """Conv (no bias) -> BN -> per-channel PReLU."""

    def __init__(self, in_c: int, out_c: int, kernel: Pair = (1, 1), stride: Pair = (1, 1),
                 padding: Pair = (0, 0), groups: int = 1) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=padding, groups=groups,
                      bias=False),
            nn.BatchNorm2d(out_c),
            nn.PReLU(out_c),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class LinearBlock(nn.Module):
    """Conv (no bias) -> BN, no activation (the linear bottleneck)."""

    def __init__(self, in_c: int, out_c: int, kernel: Pair = (1, 1), stride: Pair = (1, 1),
                 padding: Pair = (0, 0), groups: int = 1) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=padding, groups=groups,
                      bias=False),
            nn.BatchNorm2d(out_c),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class DepthWise(nn.Module):
    """Inverted bottleneck: 1x1 expand to ``groups`` channels, depthwise kxk, 1x1 project.

    ``groups`` is the expanded width (the depthwise conv has one group per channel).
    """

    def __init__(self, in_c: int, out_c: int, residual: bool = False, kernel: Pair = (3, 3),
                 stride: Pair = (2, 2), padding: Pair = (1, 1), groups: int = 1) -> None:
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(
            ConvBlock(in_c, groups),
            ConvBlock(groups, groups, kernel=kernel, stride=stride, padding=padding,
                      groups=groups),
            LinearBlock(groups, out_c),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layers(x)
        return x + y if self.residual else y


class Residual(nn.Module):
    """``num_block`` shape-preserving DepthWise blocks with identity shortcuts."""

    def __init__(self, c: int, num_block: int, groups: int, kernel: Pair = (3, 3),
                 stride: Pair = (1, 1), padding: Pair = (1, 1)) -> None:
        super().__init__()
        self.layers = nn.Sequential(*[
            DepthWise(c, c, True, kernel, stride, padding, groups) for _ in range(num_block)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class GDC(nn.Module):
    """Global depthwise conv head: depthwise over the whole final map (7x7 for 112x112
    crops) -> flatten -> Linear (no bias) -> BN1d."""

    def __init__(self, embedding_size: int, kernel: Pair = (7, 7)) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            LinearBlock(512, 512, kernel=kernel, stride=(1, 1), padding=(0, 0), groups=512),
            Flatten(),
            nn.Linear(512, embedding_size, bias=False),
            nn.BatchNorm1d(embedding_size),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class MobileFaceNet(nn.Module):
    """MobileFaceNet; ``scale`` multiplies the trunk widths (2 = "mbf"). ``input_size`` is
    the crop (height, width): 112x112 (ArcFace), or e.g. 112x96 (SphereFace/CosFace crops);
    the trunk downsamples by 16 and the GDC head spans the final map."""

    def __init__(self, fp16: bool = False, num_features: int = 512,
                 blocks: Sequence[int] = (1, 4, 6, 2), scale: int = 2,
                 input_size: Pair = (112, 112)) -> None:
        super().__init__()
        if len(blocks) != 4:
            raise ValueError(f"MobileFaceNet needs 4 stage depths, got {list(blocks)}")
        if len(input_size) != 2 or any(d <= 0 or d % 16 for d in input_size):
            raise ValueError(f"MobileFaceNet input_size must be (height, width), multiples of 16; got {input_size}")
        self.fp16 = fp16
        self.num_features = num_features
        self.scale = scale
        w64, w128 = 64 * scale, 128 * scale
        # Expanded widths (the DepthWise ``groups``) are fixed numbers, independent of
        # scale, exactly as in arcface_torch.
        stem2 = (
            ConvBlock(w64, w64, kernel=(3, 3), stride=(1, 1), padding=(1, 1), groups=64)
            if blocks[0] == 1
            else Residual(w64, num_block=blocks[0], groups=128)
        )
        self.layers = nn.ModuleList([
            ConvBlock(3, w64, kernel=(3, 3), stride=(2, 2), padding=(1, 1)),
            stem2,
            DepthWise(w64, w64, kernel=(3, 3), stride=(2, 2), padding=(1, 1), groups=128),
            Residual(w64, num_block=blocks[1], groups=128),
            DepthWise(w64, w128, kernel=(3, 3), stride=(2, 2), padding=(1, 1), groups=256),
            Residual(w128, num_block=blocks[2], groups=256),
            DepthWise(w128, w128, kernel=(3, 3), stride=(2, 2), padding=(1, 1), groups=512),
            Residual(w128, num_block=blocks[3], groups=256),
        ])
        self.conv_sep = ConvBlock(w128, 512)
        self.features = GDC(num_features, kernel=(input_size[0] // 16, input_size[1] // 16))
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ctx = (torch.autocast(device_type=x.device.type, dtype=torch.float16)
               if self.fp16 else contextlib.nullcontext())
        with ctx:
            for layer in self.layers:
                x = layer(x)
        x = self.conv_sep(x.float() if self.fp16 else x)
        return self.features(x)


def get_mbf(fp16: bool = False, num_features: int = 512, blocks: Sequence[int] = (1, 4, 6, 2),
            scale: int = 2, input_size: Pair = (112, 112)) -> MobileFaceNet:
    return MobileFaceNet(fp16, num_features, blocks, scale=scale, input_size=input_size)


def get_mbf_large(fp16: bool = False, num_features: int = 512,
                  blocks: Sequence[int] = (2, 8, 12, 4), scale: int = 4,
                  input_size: Pair = (112, 112)) -> MobileFaceNet:
    return MobileFaceNet(fp16, num_features, blocks, scale=scale, input_size=input_size)
