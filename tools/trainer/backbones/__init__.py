"""Face-recognition backbones with arcface_torch-compatible state_dicts.

Importable both as ``tools.trainer.backbones`` (from the repo root) and as ``backbones``
(from inside tools/trainer, the way arcface_torch scripts import it); only relative
imports are used here for that reason.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

from torch import nn

from .iresnet import IResNet, iresnet18, iresnet34, iresnet50, iresnet100, iresnet200
from .mobilefacenet import MobileFaceNet, get_mbf, get_mbf_large
from .vit import VisionTransformer, vit_s, vit_t

__all__ = ["get_model", "MODEL_NAMES", "IResNet", "MobileFaceNet", "VisionTransformer"]

_IRESNET_KWARGS = {"dropout", "num_features", "zero_init_residual", "fp16", "use_checkpoint"}
_MBF_KWARGS = {"fp16", "num_features", "blocks", "scale", "input_size"}
# arcface_torch training scripts pass dropout to every network; MobileFaceNet has none.
_MBF_IGNORED = {"dropout"}
_VIT_KWARGS = {"fp16", "num_features", "drop_path_rate"}
# arcface_torch passes dropout everywhere; the ViTs use stochastic depth instead.
_VIT_IGNORED = {"dropout"}

_IRESNETS: Dict[str, Callable[..., IResNet]] = {
    "r18": iresnet18,
    "r34": iresnet34,
    "r50": iresnet50,
    "r100": iresnet100,
    "r200": iresnet200,
}
_MBFS: Dict[str, Callable[..., MobileFaceNet]] = {
    "mbf": get_mbf,
    "mbf_large": get_mbf_large,
}

_VITS: Dict[str, Callable[..., VisionTransformer]] = {"vit_t": vit_t, "vit_s": vit_s}

MODEL_NAMES = tuple(_IRESNETS) + tuple(_MBFS) + tuple(_VITS)


def _check_kwargs(name: str, kwargs: Dict[str, Any], allowed: set) -> None:
    unknown = sorted(set(kwargs) - allowed)
    if unknown:
        raise TypeError(f"get_model({name!r}): unknown option(s) {', '.join(unknown)}; "
                        f"accepted: {', '.join(sorted(allowed))}")


def get_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a backbone by its arcface_torch name: r18, r34, r50, r100, r200, mbf, mbf_large,
    vit_t, vit_s.

    Options: ``num_features`` (embedding size, default 512) and ``fp16`` for all;
    ``dropout``, ``zero_init_residual`` and ``use_checkpoint`` for the IResNets;
    ``scale``, ``blocks`` and ``input_size`` (height, width) for MobileFaceNet (``dropout`` is accepted and ignored there);
    ``drop_path_rate`` for the ViTs (``dropout`` ignored).
    """
    if name in _IRESNETS:
        _check_kwargs(name, kwargs, _IRESNET_KWARGS)
        return _IRESNETS[name](False, **kwargs)
    if name in _MBFS:
        _check_kwargs(name, kwargs, _MBF_KWARGS | _MBF_IGNORED)
        return _MBFS[name](**{k: v for k, v in kwargs.items() if k not in _MBF_IGNORED})
    if name in _VITS:
        _check_kwargs(name, kwargs, _VIT_KWARGS | _VIT_IGNORED)
        return _VITS[name](**{k: v for k, v in kwargs.items() if k not in _VIT_IGNORED})
    raise ValueError(f"unknown backbone {name!r}; expected one of {', '.join(MODEL_NAMES)}")
