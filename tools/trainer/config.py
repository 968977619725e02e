"""Experiment configs in the insightface arcface_torch style.

A config is a Python file that builds `config` (an EasyDict, or the small
stand-in below when easydict is not installed) and sets fields on it:

    from easydict import EasyDict as edict
    config = edict()
    config.network = "mbf"
    config.rec = "/data/faces"

`load_config(path)` starts from configs/base.py, applies the file's fields, and
rejects any field base.py does not define, naming it, so a typo is an error
instead of a silently ignored setting.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "configs"


class ConfigError(ValueError):
    """A config file or value the trainer cannot use."""


class EasyDict(dict):
    """Attribute-access dict, enough of easydict.EasyDict for config files."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        del self[name]


def _ensure_easydict_module() -> None:
    try:
        import easydict  # noqa: F401
    except ImportError:
        shim = types.ModuleType("easydict")
        shim.EasyDict = EasyDict
        sys.modules["easydict"] = shim


def _exec_config_file(path: Path) -> dict:
    _ensure_easydict_module()
    spec = importlib.util.spec_from_file_location(f"_edgeface_cfg_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"{path}: cannot run config file: {exc}") from None
    cfg = getattr(module, "config", None)
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: must define `config` (an EasyDict of settings)")
    return dict(cfg)


def resolve_config_path(name: str | os.PathLike) -> Path:
    """Accept `configs/celeba_mbf`, `configs/celeba_mbf.py`, or a bare name."""
    p = Path(name)
    candidates = [p, p.with_suffix(".py"), CONFIG_DIR / p.name, (CONFIG_DIR / p.name).with_suffix(".py")]
    for c in candidates:
        if c.is_file():
            return c
    raise ConfigError(f"config not found: {name}")


def base_config() -> EasyDict:
    return EasyDict(_exec_config_file(CONFIG_DIR / "base.py"))


def load_config(name: str | os.PathLike, overrides: dict | None = None) -> EasyDict:
    path = resolve_config_path(name)
    cfg = base_config()
    job = _exec_config_file(path) if path.resolve() != (CONFIG_DIR / "base.py").resolve() else {}
    for key, value in list(job.items()) + list((overrides or {}).items()):
        if key not in cfg:
            raise ConfigError(f"{path}: unknown config key '{key}' (see tools/trainer/README.md)")
        cfg[key] = value
    if not cfg.output:
        cfg.output = str(Path("work_dirs") / path.stem)
    validate(cfg)
    return cfg


def apply_overrides(cfg: EasyDict, overrides: dict) -> EasyDict:
    out = EasyDict(cfg)
    for key, value in overrides.items():
        if key not in out:
            raise ConfigError(f"unknown config key '{key}' (see tools/trainer/README.md)")
        out[key] = value
    validate(out)
    return out


def parse_override(text: str) -> tuple[str, object]:
    """`key=value` from the command line; value parsed as a Python literal if it is one."""
    import ast

    if "=" not in text:
        raise ConfigError(f"override must be key=value, got '{text}'")
    key, raw = text.split("=", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


_CHOICES = {
    "network": ("r18", "r34", "r50", "r100", "r200", "mbf", "mbf_large", "vit_t", "vit_s"),
    "amp": ("none", "fp16", "bf16"),
    "optimizer": ("sgd", "adamw"),
    "loader": ("workers", "gpu_decode", "cache", "synthetic"),
    "cache_device": ("cuda", "cpu"),
}


def validate(cfg: EasyDict) -> None:
    for key, choices in _CHOICES.items():
        if cfg[key] not in choices:
            raise ConfigError(f"config key '{key}' must be one of {', '.join(choices)}; got {cfg[key]!r}")
    if len(tuple(cfg.margin_list)) != 3:
        raise ConfigError("config key 'margin_list' must be (m1, m2, m3)")
    if not 0 < float(cfg.sample_rate) <= 1:
        raise ConfigError(f"config key 'sample_rate' must be in (0, 1]; got {cfg.sample_rate}")
    for key in ("batch_size", "embedding_size", "frequent", "gradient_acc"):
        if int(cfg[key]) < 1:
            raise ConfigError(f"config key '{key}' must be >= 1; got {cfg[key]}")
    if cfg.dali:
        raise ConfigError("config key 'dali' must be False: DALI is not used; set loader='gpu_decode' instead")
    if cfg.interclass_filtering_threshold:
        raise ConfigError("config key 'interclass_filtering_threshold' is not supported; leave it 0")
    if cfg.fp16 and cfg.amp == "none":
        cfg.amp = "fp16"  # arcface_torch's switch
    if not cfg.rec and cfg.loader != "synthetic":
        raise ConfigError("config key 'rec' (training data) is empty")
    if cfg.gradient_acc != 1:
        raise ConfigError("config key 'gradient_acc' must be 1 (accumulation is not implemented)")
