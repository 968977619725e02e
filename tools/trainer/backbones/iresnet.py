"""Improved ResNets (IResNet) as used by insightface's arcface_torch.

The module and attribute names below are part of the checkpoint format: they fix the
state_dict keys (``layer3.7.bn2.running_var``, ``fc.weight``, ``features.bias`` ...), so a
checkpoint trained with arcface_torch loads into these models and vice versa. Rename
nothing here without a key-mapping shim.
"""

from __future__ import annotations

import contextlib
from typing import Optional, Sequence

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

__all__ = [
    "IBasicBlock",
    "IResNet",
    "iresnet18",
    "iresnet34",
    "iresnet50",
    "iresnet100",
    "iresnet200",
    "IRESNET_LAYERS",
]

# Blocks per stage of each depth (stage widths are always 64, 128, 256, 512).
IRESNET_LAYERS = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 14, 3),
    100: (3, 13, 30, 3),
    200: (6, 26, 60, 6),
}

_BN_EPS = 1e-5


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


def _autocast(enabled: bool, device_type: str):
    """Mixed precision for the convolutional trunk only when asked for.

    A disabled autocast context is still a context manager that tracing exporters have to
    see through, so without fp16 we enter nothing at all.
    """
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device_type, dtype=torch.float16)


class IBasicBlock(nn.Module):
    """Pre-activation-style basic block: BN -> conv3x3 -> BN -> PReLU -> conv3x3(stride) -> BN.

    The stride sits on the second convolution; the shortcut is either identity or a
    1x1 strided convolution followed by BN (``downsample``).
    """

    expansion = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: Optional[nn.Module] = None,
        use_checkpoint: bool = False,
    ) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=_BN_EPS)
        self.conv1 = _conv3x3(inplanes, planes)
        self.bn2 = nn.BatchNorm2d(planes, eps=_BN_EPS)
        self.prelu = nn.PReLU(planes)
        self.conv2 = _conv3x3(planes, planes, stride)
        self.bn3 = nn.BatchNorm2d(planes, eps=_BN_EPS)
        self.downsample = downsample
        self.stride = stride
        # Gradient checkpointing trades compute for memory while training; not state.
        self.use_checkpoint = use_checkpoint

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn1(x)
        y = self.conv1(y)
        y = self.bn2(y)
        y = self.prelu(y)
        y = self.conv2(y)
        y = self.bn3(y)
        shortcut = x if self.downsample is None else self.downsample(x)
        return y + shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.use_checkpoint:
            return checkpoint(self._residual, x, use_reentrant=False)
        return self._residual(x)


class IResNet(nn.Module):
    """IResNet trunk + embedding head for 112x112 face crops.

    Head: BN2d -> flatten -> dropout -> Linear(512*7*7, num_features) -> BatchNorm1d whose
    scale is frozen at 1 (only its shift and running stats are learnt), as in arcface_torch.
    """

    fc_scale = 7 * 7

    def __init__(
        self,
        block: type = IBasicBlock,
        layers: Sequence[int] = IRESNET_LAYERS[50],
        dropout: float = 0.0,
        num_features: int = 512,
        zero_init_residual: bool = False,
        fp16: bool = False,
        use_checkpoint: bool = False,
    ) -> None:
        super().__init__()
        if len(layers) != 4:
            raise ValueError(f"IResNet needs 4 stage depths, got {list(layers)}")
        self.fp16 = fp16
        self.num_features = num_features
        self.use_checkpoint = use_checkpoint
        self.inplanes = 64

        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=_BN_EPS)
        self.prelu = nn.PReLU(64)
        self.layer1 = self._make_stage(block, 64, layers[0])
        self.layer2 = self._make_stage(block, 128, layers[1])
        self.layer3 = self._make_stage(block, 256, layers[2])
        self.layer4 = self._make_stage(block, 512, layers[3])
        self.bn2 = nn.BatchNorm2d(512 * block.expansion, eps=_BN_EPS)
        self.dropout = nn.Dropout(p=dropout, inplace=True)
        self.fc = nn.Linear(512 * block.expansion * self.fc_scale, num_features)
        self.features = nn.BatchNorm1d(num_features, eps=_BN_EPS)

        self._init_weights(zero_init_residual)
        # The embedding BN is a pure (learnt) shift: its scale stays exactly 1.
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False

    def _make_stage(self, block: type, planes: int, blocks: int) -> nn.Sequential:
        # Every stage halves the resolution in its first block: 112 -> 56 -> 28 -> 14 -> 7.
        stride = 2
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1,
                          stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion, eps=_BN_EPS),
            )
        stage = [block(self.inplanes, planes, stride, downsample, self.use_checkpoint)]
        self.inplanes = planes * block.expansion
        stage += [block(self.inplanes, planes, use_checkpoint=self.use_checkpoint)
                  for _ in range(1, blocks)]
        return nn.Sequential(*stage)

    def _init_weights(self, zero_init_residual: bool) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.1)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1.0)
                nn.init.constant_(m.bias, 0.0)
        if zero_init_residual:
            # Same choice as arcface_torch: silence the BN right after the first conv.
            for m in self.modules():
                if isinstance(m, IBasicBlock):
                    nn.init.constant_(m.bn2.weight, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with _autocast(self.fp16, x.device.type):
            x = self.prelu(self.bn1(self.conv1(x)))
            x = self.layer1(x)
            x = self.layer2(x)
            x = self.layer3(x)
            x = self.layer4(x)
            x = self.bn2(x)
            x = torch.flatten(x, 1)
            x = self.dropout(x)
        # The embedding head always runs in float32.
        x = self.fc(x.float() if self.fp16 else x)
        return self.features(x)


def _iresnet(depth: int, pretrained: bool = False, **kwargs) -> IResNet:
    if pretrained:
        raise ValueError("no pretrained weights are bundled; load a checkpoint with load_state_dict")
    return IResNet(IBasicBlock, IRESNET_LAYERS[depth], **kwargs)


def iresnet18(pretrained: bool = False, progress: bool = True, **kwargs) -> IResNet:
    return _iresnet(18, pretrained, **kwargs)


def iresnet34(pretrained: bool = False, progress: bool = True, **kwargs) -> IResNet:
    return _iresnet(34, pretrained, **kwargs)


def iresnet50(pretrained: bool = False, progress: bool = True, **kwargs) -> IResNet:
    return _iresnet(50, pretrained, **kwargs)


def iresnet100(pretrained: bool = False, progress: bool = True, **kwargs) -> IResNet:
    return _iresnet(100, pretrained, **kwargs)


def iresnet200(pretrained: bool = False, progress: bool = True, **kwargs) -> IResNet:
    return _iresnet(200, pretrained, **kwargs)
