"""Export the best (or, without validation, the last) backbone to ONNX.

Uses the project exporter (export_onnx.export), which writes the graph with
preprocessing metadata and checks it against onnxruntime.
"""
from __future__ import annotations

import copy
from pathlib import Path

import torch


def export_backbone(cfg, backbone: torch.nn.Module, out: Path, log=print) -> Path:
    from export_onnx import export, load_backbone

    best = Path(out) / "best_backbone.pt"
    meta = {"backbone": cfg.network, "embedding_size": str(cfg.embedding_size),
            "margin_list": ",".join(f"{m:g}" for m in cfg.margin_list)}
    if best.is_file():
        model = load_backbone(best, trusted=True)
        what = "best"
        info = torch.load(best, map_location="cpu", weights_only=False)
        meta.update(val_accuracy=f"{info['acc']:.4f}", val_step=str(info["step"]))
    else:
        model = copy.deepcopy(backbone).float().cpu().to(memory_format=torch.contiguous_format).eval()
        what = "last"
    path = Path(out) / "model.onnx"
    export(model, path, opset=cfg.onnx_opset, metadata=meta)
    log(f"[export] {what} backbone -> {path}")
    return path
