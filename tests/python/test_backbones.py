"""Trainer backbones (arcface_torch-compatible) and the verified ONNX exporter.

Kept fast: forward passes and exports use MobileFaceNet, iresnet18 or a tiny Conv/BN
network; the big iresnets are only built (no forward) to count parameters.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.trainer.backbones import MODEL_NAMES, get_model  # noqa: E402
from tools.trainer.backbones.iresnet import IRESNET_LAYERS  # noqa: E402
from tools.trainer.export_onnx import (  # noqa: E402
    ExportVerificationError,
    export,
    main as export_main,
)

torch.set_num_threads(2)


# ---------------------------------------------------------------- architecture facts

def iresnet_param_count(layers, num_features=512):
    """Parameters of an IResNet, counted from the architecture description alone."""
    bn = lambda c: 2 * c  # noqa: E731  (running stats are buffers, not parameters)
    total = 3 * 64 * 9 + bn(64) + 64  # stem conv, BN, PReLU
    inplanes = 64
    for planes, blocks in zip((64, 128, 256, 512), layers):
        for i in range(blocks):
            total += bn(inplanes) + inplanes * planes * 9 + bn(planes) + planes
            total += planes * planes * 9 + bn(planes)
            if i == 0:  # every stage starts with a strided block and a 1x1 projection
                total += inplanes * planes + bn(planes)
            inplanes = planes
    total += bn(512) + 512 * 7 * 7 * num_features + num_features + bn(num_features)
    return total


def mbf_param_count(num_features=512, blocks=(1, 4, 6, 2), scale=2):
    bn = lambda c: 2 * c  # noqa: E731

    def conv_block(cin, cout, k=1, groups=1):
        return cin // groups * cout * k * k + bn(cout) + cout

    def linear_block(cin, cout, k=1, groups=1):
        return cin // groups * cout * k * k + bn(cout)

    def depthwise(cin, cout, expanded):
        return conv_block(cin, expanded) + conv_block(expanded, expanded, 3, expanded) + \
            linear_block(expanded, cout)

    w64, w128 = 64 * scale, 128 * scale
    total = conv_block(3, w64, 3)
    total += conv_block(w64, w64, 3, groups=64) if blocks[0] == 1 else \
        blocks[0] * depthwise(w64, w64, 128)
    total += depthwise(w64, w64, 128) + blocks[1] * depthwise(w64, w64, 128)
    total += depthwise(w64, w128, 256) + blocks[2] * depthwise(w128, w128, 256)
    total += depthwise(w128, w128, 512) + blocks[3] * depthwise(w128, w128, 256)
    total += conv_block(w128, 512)
    total += linear_block(512, 512, 7, groups=512) + 512 * num_features + bn(num_features)
    return total


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name,depth,published_millions", [
    # Published arcface_torch sizes: r18 24.0M, r34 34.1M, r50 43.6M, r100 65.2M.
    ("r18", 18, 24.0), ("r34", 34, 34.1), ("r50", 50, 43.6), ("r100", 100, 65.2),
])
def test_iresnet_parameter_counts(name, depth, published_millions):
    model = get_model(name)
    assert n_params(model) == iresnet_param_count(IRESNET_LAYERS[depth])
    assert round(n_params(model) / 1e6, 1) == published_millions


def test_mobilefacenet_parameter_counts():
    assert n_params(get_model("mbf")) == mbf_param_count() == 2_059_520
    assert n_params(get_model("mbf", num_features=128)) == mbf_param_count(128)
    assert n_params(get_model("mbf", scale=1)) == mbf_param_count(scale=1)
    assert n_params(get_model("mbf_large")) == mbf_param_count(blocks=(2, 8, 12, 4), scale=4)


@pytest.mark.parametrize("name,num_features", [("r18", 512), ("mbf", 512), ("mbf", 128)])
def test_output_shapes(name, num_features):
    model = get_model(name, num_features=num_features).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, 112, 112)).shape == (2, num_features)


def test_state_dict_keys_follow_arcface_torch():
    r50 = get_model("r50").state_dict()
    assert len(r50) == 475
    assert r50["conv1.weight"].shape == (64, 3, 3, 3)
    assert r50["layer3.13.bn3.running_var"].shape == (256,)
    assert r50["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1)
    assert "layer2.1.downsample.0.weight" not in r50
    assert r50["fc.weight"].shape == (512, 512 * 7 * 7)
    assert r50["features.num_batches_tracked"].shape == ()

    mbf = get_model("mbf").state_dict()
    assert len(mbf) == 333
    assert mbf["layers.0.layers.0.weight"].shape == (128, 3, 3, 3)
    # The second stem conv has 64 groups over 128 channels: 2 input channels per group.
    assert mbf["layers.1.layers.0.weight"].shape == (128, 2, 3, 3)
    assert mbf["layers.3.layers.3.layers.1.layers.0.weight"].shape == (128, 1, 3, 3)
    assert mbf["layers.4.layers.2.layers.0.weight"].shape == (256, 256, 1, 1)
    assert mbf["conv_sep.layers.2.weight"].shape == (512,)
    assert mbf["features.layers.0.layers.0.weight"].shape == (512, 1, 7, 7)
    assert mbf["features.layers.2.weight"].shape == (512, 512)
    assert "features.layers.2.bias" not in mbf
    assert mbf["features.layers.3.running_mean"].shape == (512,)


def test_embedding_bn_scale_is_frozen_at_one():
    model = get_model("r18")
    assert torch.equal(model.features.weight, torch.ones(512))
    assert not model.features.weight.requires_grad
    assert model.features.bias.requires_grad


@pytest.mark.parametrize("name", ["r18", "mbf"])
def test_state_dict_round_trip(name, tmp_path):
    torch.manual_seed(1)
    a = get_model(name).eval()
    with torch.no_grad():  # make running stats non-trivial so the buffers matter too
        for m in a.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.8, 1.2)
    torch.save(a.state_dict(), tmp_path / "model.pt")
    torch.manual_seed(2)
    b = get_model(name).eval()
    b.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True), strict=True)
    x = torch.randn(1, 3, 112, 112)
    with torch.no_grad():
        assert torch.equal(a(x), b(x))


def test_get_model_rejects_unknown_names_and_options():
    with pytest.raises(ValueError, match="unknown backbone 'r101'"):
        get_model("r101")
    with pytest.raises(TypeError, match="scale"):
        get_model("r18", scale=2)
    # arcface_torch's training script passes dropout to every network, mbf included.
    assert get_model("mbf", dropout=0.1, fp16=False, num_features=256).num_features == 256
    assert set(MODEL_NAMES) >= {"r18", "r34", "r50", "r100", "mbf"}


def test_importable_from_inside_tools_trainer():
    code = ("from backbones import get_model; import export_onnx; "
            "print(type(get_model('mbf')).__name__, export_onnx.HEADS)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "tools" / "trainer",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "MobileFaceNet"


# ---------------------------------------------------------------------- exporter

class TinyNet(nn.Module):
    """Conv-BN-PReLU, flatten, Linear, BN1d: the BN-folding situations of mbf in miniature."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=4, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.prelu = nn.PReLU(8)
        self.fc = nn.Linear(8 * 28 * 28, 16)
        self.features = nn.BatchNorm1d(16)
        self.num_features = 16
        with torch.no_grad():
            for bn in (self.bn, self.features):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        return self.features(self.fc(torch.flatten(self.prelu(self.bn(self.conv(x))), 1)))


class LiesDuringExport(nn.Module):
    """Computes something else while being exported: the exported file must be rejected."""

    def __init__(self):
        super().__init__()
        self.inner = TinyNet()

    def forward(self, x):
        y = self.inner(x)
        return y * 1.5 if torch.onnx.is_in_onnx_export() else y


def ops_of(path):
    return [n.op_type for n in onnx.load(str(path), load_external_data=False).graph.node]


def run_ort(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"data": x})[0]


def torch_out(model, x, normalize=False):
    with torch.no_grad():
        y = model.eval()(torch.from_numpy(x))
    return (torch.nn.functional.normalize(y) if normalize else y).numpy()


@pytest.fixture(scope="module")
def mbf():
    torch.manual_seed(0)
    model = get_model("mbf").eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    return model


def test_classic_export_matches_torch_and_records_preprocessing(mbf, tmp_path):
    path = tmp_path / "mbf.onnx"
    result = export(mbf, path, opset=11, metadata={"backbone": "mbf"})
    assert result.files() == [path] and path.is_file()
    assert not list(tmp_path.glob(".*")), "temporary export folder left behind"

    model = onnx.load(str(path))
    assert model.opset_import[0].version == 11
    (inp,), (out,) = model.graph.input, model.graph.output
    assert inp.name == "data" and out.name == "fc1"
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim] == [1, 3, 112, 112]
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["edgeface.color"] == "RGB"
    assert meta["edgeface.mean"] == "127.5,127.5,127.5"
    assert meta["edgeface.std"] == "127.5,127.5,127.5"
    assert meta["edgeface.input_size"] == "112,112"
    assert meta["edgeface.embedding_size"] == "512"
    assert meta["edgeface.backbone"] == "mbf"

    x = np.random.default_rng(5).uniform(-1, 1, (1, 3, 112, 112)).astype(np.float32)
    got, want = run_ort(path, x), torch_out(mbf, x)
    cos = float((got * want).sum() / np.linalg.norm(got) / np.linalg.norm(want))
    assert cos > 0.99999 and np.abs(got - want).max() <= 1e-4 * np.abs(want).max() + 1e-4
    # Constant folding fused every Conv+BN of MobileFaceNet; only the embedding BN1d stays.
    assert ops_of(path).count("BatchNormalization") == 1
    assert mbf.training is False


def test_classic_dynamic_batch_view_normalize_keep_bn(mbf, tmp_path):
    path = tmp_path / "mbf-dyn.onnx"
    result = export(mbf, path, opset=13, dynamic_batch=True, fold_constants=False,
                    head="view_normalize")
    ops = ops_of(path)
    n_bn = sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in mbf.modules())
    assert ops.count("BatchNormalization") == n_bn == 50
    for op in ("Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "ReduceL2", "Clip", "Expand", "Div"):
        assert op in ops, f"{op} missing from {sorted(set(ops))}"
    assert result.metadata["edgeface.head"] == "view_normalize"

    dim0 = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_param and not dim0.dim_value
    x = np.random.default_rng(6).uniform(-1, 1, (2, 3, 112, 112)).astype(np.float32)
    got = run_ort(path, x)
    assert got.shape == (2, 512)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(got, torch_out(mbf, x, normalize=True), atol=1e-5)


@pytest.mark.parametrize("opset", [17, 18])
def test_classic_opsets_on_tiny_net(opset, tmp_path):
    net = TinyNet().eval()
    kept = export(net, tmp_path / "kept.onnx", opset=opset, fold_constants=False)
    folded = export(net, tmp_path / "folded.onnx", opset=opset)
    assert onnx.load(str(kept.path)).opset_import[0].version == opset
    assert ops_of(kept.path).count("BatchNormalization") == 2
    # Conv+BN fuses; the BN1d after the Linear layer cannot be folded by the exporter.
    assert ops_of(folded.path).count("BatchNormalization") == 1
    x = np.random.default_rng(7).uniform(-1, 1, (1, 3, 112, 112)).astype(np.float32)
    for r in (kept, folded):
        np.testing.assert_allclose(run_ort(r.path, x), torch_out(net, x), rtol=1e-4, atol=1e-4)


def test_dynamo_export_writes_external_data(tmp_path):
    # TinyNet keeps this fast; the fixture generator exports MobileFaceNet the same way.
    net = TinyNet().eval()
    path = tmp_path / "tiny-dynamo.onnx"
    result = export(net, path, opset=18, exporter="dynamo", dynamic_batch=True,
                    fold_constants=False, head="view_normalize")
    data = tmp_path / "tiny-dynamo.onnx.data"
    assert result.external_data == [data] and data.is_file()
    assert data.stat().st_size >= 4 * 8 * 28 * 28 * 16 > path.stat().st_size
    model = onnx.load(str(path), load_external_data=False)
    assert model.opset_import[0].version == 18
    assert {p.key: p.value for p in model.metadata_props}["edgeface.exporter"] == "dynamo"
    fc = [t for t in model.graph.initializer if list(t.dims) == [16, 8 * 28 * 28]]
    assert len(fc) == 1 and fc[0].data_location == onnx.TensorProto.EXTERNAL
    ops = ops_of(path)
    assert ops.count("BatchNormalization") == 2
    assert {"ReduceL2", "Div"} <= set(ops)
    dim0 = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_param and not dim0.dim_value
    x = np.random.default_rng(8).uniform(-1, 1, (3, 3, 112, 112)).astype(np.float32)
    np.testing.assert_allclose(run_ort(path, x), torch_out(net, x, normalize=True), atol=1e-5)


def test_dynamo_default_optimization_folds_batchnorm(tmp_path):
    net = TinyNet().eval()
    result = export(net, tmp_path / "tiny.onnx", opset=18, exporter="dynamo")
    assert (tmp_path / "tiny.onnx.data").is_file()
    assert "BatchNormalization" not in ops_of(result.path)
    x = np.random.default_rng(9).uniform(-1, 1, (1, 3, 112, 112)).astype(np.float32)
    np.testing.assert_allclose(run_ort(result.path, x), torch_out(net, x), rtol=1e-4, atol=1e-4)


def test_mismatch_fails_loudly_and_leaves_nothing(tmp_path):
    with pytest.raises(ExportVerificationError, match="min cosine|max abs diff"):
        export(LiesDuringExport().eval(), tmp_path / "bad.onnx")
    assert list(tmp_path.iterdir()) == []


def test_export_rejects_unsupported_options(tmp_path):
    net = TinyNet()
    with pytest.raises(ValueError, match="opset"):
        export(net, tmp_path / "x.onnx", opset=9)
    with pytest.raises(ValueError, match="dynamo exporter supports opset 18"):
        export(net, tmp_path / "x.onnx", opset=11, exporter="dynamo")
    with pytest.raises(ValueError, match="head"):
        export(net, tmp_path / "x.onnx", head="softmax")


def test_cli_exports_a_checkpoint(tmp_path, capsys):
    torch.manual_seed(3)
    model = get_model("mbf", num_features=128)
    # DDP-style "module." prefixes inside arcface_torch's resumable checkpoint layout.
    ckpt = {"state_dict_backbone": {f"module.{k}": v for k, v in model.state_dict().items()}}
    torch.save(ckpt, tmp_path / "checkpoint_gpu_0.pt")
    out = tmp_path / "out.onnx"
    assert export_main([str(tmp_path / "checkpoint_gpu_0.pt"), "--network", "mbf",
                        "--num-features", "128", "--output", str(out)]) == 0
    assert "min cosine" in capsys.readouterr().out
    x = np.random.default_rng(10).uniform(-1, 1, (1, 3, 112, 112)).astype(np.float32)
    np.testing.assert_allclose(run_ort(out, x), torch_out(model, x), rtol=1e-4, atol=1e-4)


def test_cli_reports_bad_checkpoints_without_traceback(tmp_path, capsys):
    bad = tmp_path / "notes.pt"
    bad.write_text("not a checkpoint")
    assert export_main([str(bad), "--network", "mbf", "--output", str(tmp_path / "o.onnx")]) == 1
    err = capsys.readouterr().err
    assert "notes.pt" in err and "Traceback" not in err

    torch.save(get_model("mbf").state_dict(), tmp_path / "mbf.pt")
    assert export_main([str(tmp_path / "mbf.pt"), "--network", "r18",
                        "--output", str(tmp_path / "o.onnx")]) == 1
    err = capsys.readouterr().err
    assert "does not fit network 'r18'" in err and "missing" in err
    assert not (tmp_path / "o.onnx").exists()


# ------------------------------------------------------------- fixture generator

def test_quick_fixture_set_covers_every_axis_value():
    from tools.fixtures.make_backbone_onnx import (EXPORTERS, HEADS, NETS, OPSETS, QUICK,
                                                   full_matrix)
    assert len(full_matrix()) == 5 * (4 * 8 + 8) == 200
    assert set(QUICK) <= set(full_matrix())
    assert {c.net for c in QUICK} == set(NETS)
    assert {c.opset for c in QUICK} == set(OPSETS)
    assert {c.exporter for c in QUICK} == set(EXPORTERS)
    assert {c.head for c in QUICK} == set(HEADS)
    assert {c.dynamic_batch for c in QUICK} == {c.bn_kept for c in QUICK} == {False, True}
    assert sum(c.net == "r100" for c in QUICK) == 1
    assert len({c.name for c in QUICK}) == len(QUICK)


def test_fixture_weights_have_nontrivial_batchnorm_and_prelu():
    from tools.fixtures.make_backbone_onnx import make_backbone, reference_input
    model = make_backbone("mbf", 0)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    assert all(b.running_mean.abs().max() > 0 for b in bns)
    assert all((b.running_var - 1).abs().max() > 0.05 for b in bns)
    assert all(b.bias.abs().max() > 0 for b in bns)
    slopes = torch.cat([m.weight for m in model.modules() if isinstance(m, nn.PReLU)])
    assert slopes.std() > 0.05
    with torch.no_grad():
        y = model(torch.from_numpy(reference_input(0)))
    # Calibrated stats keep the embedding in a sane float32 range.
    assert torch.isfinite(y).all() and 0.1 < y.abs().max() < 100
    assert torch.equal(make_backbone("mbf", 0).state_dict()["conv_sep.layers.2.weight"],
                       model.state_dict()["conv_sep.layers.2.weight"])
