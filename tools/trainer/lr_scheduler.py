"""Linear warmup then polynomial decay to 0 (arcface_torch PolyScheduler)."""
from __future__ import annotations


def lr_at(step: int, base_lr: float, total_steps: int, warmup_steps: int, power: float = 2.0) -> float:
    if warmup_steps > 0 and step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return base_lr * (1.0 - progress) ** power


def set_lr(optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
