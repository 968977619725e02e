"""Transformer face backbones (arcface_torch vit_t / vit_s layout): exported by the classic
exporter at opset 13 (LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div) and 17 (LayerNormalization,
dynamic batch) and by torch.export (opset 18), converted by edgeface, run in the REAL ncnn
runtime and compared with onnxruntime. Fixtures: tools/fixtures/make_backbone_onnx.py --vit
(random weights, LayerNorm/BatchNorm affine randomised, BN statistics calibrated), cached in
.cache/fixtures-vit (about 700 MB; 4-6 min to generate on 2 cores)."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from ncnn_check import ROOT, compare, convert, ort_output_names, run_ncnn

sys.path.insert(0, str(ROOT))
FIXTURES = ROOT / ".cache" / "fixtures-vit"


def _fixtures() -> list[str]:
    manifest = FIXTURES / "manifest.json"
    if not manifest.exists():
        subprocess.run([sys.executable, str(ROOT / "tools/fixtures/make_backbone_onnx.py"), str(FIXTURES), "--vit"], check=True)
    return [c["file"] for c in json.loads(manifest.read_text())["files"]]


def test_vit_layout_follows_arcface_torch():
    from tools.trainer.backbones import get_model
    m = get_model("vit_t", num_features=512)
    keys = set(m.state_dict())
    for k in ("patch_embed.proj.weight", "pos_embed", "mask_token", "blocks.11.norm1.weight",
              "blocks.0.attn.qkv.weight", "blocks.0.attn.proj.bias", "blocks.0.mlp.fc1.weight",
              "blocks.0.mlp.fc2.bias", "norm.weight", "feature.0.weight", "feature.1.running_var",
              "feature.2.weight", "feature.3.running_mean"):
        assert k in keys, k
    assert "blocks.0.attn.qkv.bias" not in keys  # qkv_bias=False as in arcface_torch
    assert m.pos_embed.shape == (1, 144, 256)  # 9x9 patches on 112x112
    assert get_model("vit_s").pos_embed.shape == (1, 144, 512)
    m.eval()
    with torch.no_grad():
        assert m(torch.zeros(2, 3, 112, 112)).shape == (2, 512)
    with pytest.raises(TypeError, match="unknown option"):
        get_model("vit_t", scale=2)


@pytest.mark.parametrize("name", _fixtures())
def test_vit_backbone_fp32(name, tmp_path):
    onnx_path = FIXTURES / name
    x = np.load(FIXTURES / name.replace(".onnx", ".input.npy"))
    ref = np.load(FIXTURES / name.replace(".onnx", ".output.npy"))
    param, binf = convert(onnx_path, tmp_path / "m")
    got = run_ncnn(param, binf, {"data": x}, [ort_output_names(onnx_path)[0]])[0]
    cos, rel = compare(got, ref[0])
    assert cos >= 0.9999 and rel <= 1e-3, f"{name}: cosine {cos:.7f}, max rel err {rel:.2e}"
    text = param.read_text()
    # Each of the 12 blocks: two LayerNorms (plus the final one), whatever the opset.
    assert text.count("\nLayerNorm ") == 25


@pytest.mark.parametrize("name", ["celeba_vit_t", "celeba_vit_s"])
def test_vit_configs_load_and_train_a_step(name):
    from tools.trainer.backbones import get_model
    from tools.trainer.config import load_config
    cfg = load_config(name)
    assert cfg.network in ("vit_t", "vit_s") and cfg.optimizer == "adamw"
    torch.manual_seed(0)
    m = get_model(cfg.network, dropout=cfg.dropout, num_features=cfg.embedding_size).train()
    opt = torch.optim.AdamW(m.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    x = torch.randn(2, 3, 112, 112)
    before = m.blocks[0].attn.qkv.weight.detach().clone()
    m(x).pow(2).mean().backward()
    assert all(p.grad is not None for p in m.parameters() if p.requires_grad and p is not m.mask_token)
    opt.step()
    assert not torch.equal(before, m.blocks[0].attn.qkv.weight)
