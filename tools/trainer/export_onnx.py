"""Export an ArcFace backbone to ONNX and prove the file computes what PyTorch computes.

Usage (from the repo root, or from inside tools/trainer like arcface_torch's torch2onnx):

    python tools/trainer/export_onnx.py work_dirs/r50/model.pt --network r50 \
        --output r50.onnx [--opset 11] [--exporter classic|dynamo] [--dynamic-batch] \
        [--keep-bn] [--head plain|view_normalize]

The ONNX input is ``data`` (N x 3 x 112 x 112 float, RGB, (pixel - 127.5) / 127.5) and the
output ``fc1`` (N x num_features). The preprocessing is recorded in the file's
metadata_props (``edgeface.*``) so that converters downstream need not guess it.

Every export is run through onnxruntime and compared with the PyTorch model before it is
moved into place; a mismatch raises ExportVerificationError and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

if __package__:
    from .backbones import MODEL_NAMES, get_model
else:  # run as a script, or imported with tools/trainer on sys.path (arcface_torch style)
    from backbones import MODEL_NAMES, get_model

__all__ = [
    "CLASSIC_OPSETS",
    "DYNAMO_OPSETS",
    "EXPORTERS",
    "HEADS",
    "METADATA_PREFIX",
    "ExportResult",
    "ExportVerificationError",
    "Preprocessing",
    "ViewNormalizeHead",
    "export",
    "load_backbone",
    "main",
]

EXPORTERS = ("classic", "dynamo")
HEADS = ("plain", "view_normalize")
# Opsets we test and support. The torch.export-based exporter emits opset 18 natively;
# older opsets would go through ONNX's version converter, which we do not trust blindly.
CLASSIC_OPSETS = (11, 13, 17, 18)
DYNAMO_OPSETS = (18,)
METADATA_PREFIX = "edgeface."

# Agreement demanded between onnxruntime and PyTorch (float32 on CPU). The cosine bound
# is per embedding; the absolute bound scales with the size of the outputs.
MIN_COSINE = 0.99999
ABS_TOL = 1e-4
REL_TOL = 1e-4


class ExportVerificationError(RuntimeError):
    """The exported ONNX file does not reproduce the PyTorch model."""


@dataclass(frozen=True)
class Preprocessing:
    """How a 0..255 image becomes the network input: (pixel - mean) / std per channel."""

    color: str = "RGB"
    mean: Tuple[float, float, float] = (127.5, 127.5, 127.5)
    std: Tuple[float, float, float] = (127.5, 127.5, 127.5)
    input_size: Tuple[int, int] = (112, 112)  # height, width

    def metadata(self) -> Dict[str, str]:
        fmt = lambda values: ",".join(f"{v:g}" for v in values)  # noqa: E731
        return {
            "color": self.color,
            "mean": fmt(self.mean),
            "std": fmt(self.std),
            "input_size": fmt(self.input_size),
            "layout": "NCHW",
        }


class ViewNormalizeHead(nn.Module):
    """Backbone followed by ``F.normalize(x.view(x.size(0), -1))``.

    This is the ending popular arcface-pytorch repositories put in their exported models; it
    yields Shape/Gather/Unsqueeze/Concat/Reshape plus ReduceL2/Clip/Expand/Div in the graph,
    which converters must handle.
    """

    def __init__(self, backbone: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.backbone(x)
        return F.normalize(x.view(x.size(0), -1))


@dataclass
class ExportResult:
    path: Path
    external_data: List[Path]
    opset: int
    exporter: str
    ops: Dict[str, int]
    min_cosine: float
    max_abs_diff: float
    seconds: float
    metadata: Dict[str, str] = field(default_factory=dict)
    # The verification input (batch 1) and what onnxruntime computed for it.
    check_input: Optional[np.ndarray] = None
    reference_output: Optional[np.ndarray] = None

    def files(self) -> List[Path]:
        return [self.path, *self.external_data]


def _validate(opset: int, exporter: str, head: str) -> None:
    if exporter not in EXPORTERS:
        raise ValueError(f"exporter must be one of {', '.join(EXPORTERS)}, got {exporter!r}")
    if head not in HEADS:
        raise ValueError(f"head must be one of {', '.join(HEADS)}, got {head!r}")
    allowed = CLASSIC_OPSETS if exporter == "classic" else DYNAMO_OPSETS
    if opset not in allowed:
        raise ValueError(f"the {exporter} exporter supports opset "
                         f"{', '.join(map(str, allowed))}; got {opset}")


@contextlib.contextmanager
def _inference_mode_of(model: nn.Module) -> Iterator[None]:
    """Eval mode and float32 for the export, the caller's settings restored afterwards."""
    was_training = model.training
    fp16_flags = [(m, m.fp16) for m in model.modules() if isinstance(getattr(m, "fp16", None), bool)]
    try:
        model.eval()
        for m, _ in fp16_flags:
            m.fp16 = False  # autocast regions cannot be exported; weights are float32 anyway
        yield
    finally:
        for m, flag in fp16_flags:
            m.fp16 = flag
        model.train(was_training)


def _example_input(batch: int, size: Tuple[int, int], seed: int) -> torch.Tensor:
    """A reproducible input in the network's range: random pixels, normalised like faces."""
    gen = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, (batch, 3, *size), generator=gen).float()
    return (pixels - 127.5) / 127.5


@contextlib.contextmanager
def _quiet_exporters() -> Iterator[None]:
    # The classic exporter is deprecated in torch >= 2.9 and says so on every call; the
    # dynamo exporter prints progress lines. Neither helps a user of this tool.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


def _export_classic(net: nn.Module, x: torch.Tensor, dest: Path, opset: int,
                    input_name: str, output_name: str, dynamic_batch: bool,
                    fold_constants: bool) -> None:
    dynamic_axes = {input_name: {0: "batch"}, output_name: {0: "batch"}} if dynamic_batch else None
    torch.onnx.export(
        net, (x,), str(dest), dynamo=False, opset_version=opset,
        input_names=[input_name], output_names=[output_name], dynamic_axes=dynamic_axes,
        # Without constant folding the BatchNormalization nodes stay in the graph.
        do_constant_folding=fold_constants,
        keep_initializers_as_inputs=False, training=torch.onnx.TrainingMode.EVAL,
    )


def _fold_constants_keep_batchnorm(model) -> None:
    """Clean up a raw torch.export graph without fusing BatchNormalization into Conv.

    The dynamo exporter's own optimizer (optimize=True) runs onnxscript's rewrite rules,
    which fold every Conv+BN pair and even BN1d into Gemm. Plain constant folding removes
    the exporter's Shape/Expand/CastLike scaffolding around PReLU slopes but leaves BN be.
    """
    import onnxscript.optimizer
    from onnx_ir.passes import common as ir_passes

    onnxscript.optimizer.fold_constants(model)
    ir_passes.RemoveUnusedNodesPass()(model)
    ir_passes.LiftConstantsToInitializersPass(lift_all_constants=True, size_limit=0)(model)
    ir_passes.RemoveUnusedNodesPass()(model)


def _export_dynamo(net: nn.Module, x: torch.Tensor, dest: Path, opset: int,
                   input_name: str, output_name: str, dynamic_batch: bool,
                   fold_constants: bool) -> None:
    dynamic_shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None
    program = torch.onnx.export(
        net, (x,), None, dynamo=True, opset_version=opset,
        input_names=[input_name], output_names=[output_name], dynamic_shapes=dynamic_shapes,
        optimize=fold_constants, verbose=False,
    )
    if not fold_constants:
        _fold_constants_keep_batchnorm(program.model)
    # torch's default for this exporter: weights in "<name>.onnx.data" beside the model.
    program.save(str(dest), external_data=True)


def _external_locations(model) -> List[str]:
    import onnx

    tensors = list(model.graph.initializer)
    tensors += [a.t for node in model.graph.node for a in node.attribute if a.HasField("t")]
    locations = set()
    for tensor in tensors:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            for entry in tensor.external_data:
                if entry.key == "location":
                    locations.add(entry.value)
    return sorted(locations)


def _write_metadata(dest: Path, metadata: Mapping[str, str]) -> Tuple[Dict[str, int], List[str], int]:
    """Add metadata_props in place; returns the op histogram, external files and opset."""
    import onnx

    model = onnx.load(str(dest), load_external_data=False)
    kept = [p for p in model.metadata_props if p.key not in metadata]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=value)
    # Saving the bare proto keeps external-data references exactly as they were.
    onnx.save(model, str(dest))
    onnx.checker.check_model(str(dest))
    ops = collections.Counter(node.op_type for node in model.graph.node)
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    return dict(ops.most_common()), _external_locations(model), opset


def _compare(onnx_path: Path, net: nn.Module, inputs: Sequence[torch.Tensor],
             input_name: str, device: torch.device) -> Tuple[float, float, List[np.ndarray]]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    min_cos, max_diff, outputs = 1.0, 0.0, []
    for x in inputs:
        with torch.no_grad():
            expected = net(x.to(device)).float().cpu().numpy().astype(np.float64)
        raw = session.run(None, {input_name: x.numpy()})[0]
        outputs.append(raw)
        got = raw.astype(np.float64)
        if got.shape != expected.shape:
            raise ExportVerificationError(
                f"{onnx_path.name}: onnxruntime output shape {got.shape} != PyTorch {expected.shape}")
        if not np.all(np.isfinite(got)):
            raise ExportVerificationError(f"{onnx_path.name}: onnxruntime output has NaN/Inf")
        a, b = got.reshape(len(got), -1), expected.reshape(len(expected), -1)
        cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)
        diff = float(np.abs(a - b).max())
        scale = float(np.abs(b).max())
        min_cos, max_diff = min(min_cos, float(cos.min())), max(max_diff, diff)
        if cos.min() < MIN_COSINE or diff > ABS_TOL + REL_TOL * scale:
            raise ExportVerificationError(
                f"{onnx_path.name}: onnxruntime disagrees with PyTorch on a batch of {len(x)}: "
                f"min cosine {cos.min():.7f} (need >= {MIN_COSINE}), max abs diff {diff:.3g} "
                f"(allowed {ABS_TOL + REL_TOL * scale:.3g}, output scale {scale:.3g})")
    return min_cos, max_diff, outputs


def export(
    model: nn.Module,
    path: os.PathLike | str,
    opset: int = 11,
    exporter: str = "classic",
    dynamic_batch: bool = False,
    fold_constants: bool = True,
    head: str = "plain",
    *,
    input_name: str = "data",
    output_name: str = "fc1",
    preprocessing: Preprocessing = Preprocessing(),
    metadata: Optional[Mapping[str, str]] = None,
    seed: int = 0,
    check_input: Optional[np.ndarray] = None,
) -> ExportResult:
    """Export ``model`` to ``path`` and verify it with onnxruntime.

    exporter: "classic" (TorchScript-based, ``dynamo=False``; one self-contained file) or
        "dynamo" (torch.export-based, PyTorch's default; opset 18, weights in an external
        ``<path>.data`` file, as torch writes by default).
    dynamic_batch: make the batch axis symbolic ("batch"); otherwise it is fixed at 1.
    fold_constants: False keeps every BatchNormalization node (no Conv+BN folding). True
        lets the exporter fold: Conv+BN pairs always fuse; a BN not fed by a Conv (IResNet's
        pre-activation bn1 and its final bn2) stays; the embedding BN1d stays with the classic exporter and
        is folded into Gemm by the dynamo exporter's optimizer.
    head: "plain" (the backbone's output) or "view_normalize" (L2-normalised embeddings).
    metadata: extra ``edgeface.*`` entries (keys without the prefix), e.g. {"backbone": "r50"}.
    check_input: the (already normalised) input to verify with first; its onnxruntime output
        is returned as ``reference_output``. Default: seeded random pixels, batch 1.

    Raises ExportVerificationError if onnxruntime and PyTorch disagree; nothing is written
    then. Files are produced in a temporary folder beside ``path`` and moved into place.
    """
    _validate(opset, exporter, head)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    net = ViewNormalizeHead(model) if head == "view_normalize" else model
    # torch.export specialises a batch of 1 to a constant, so dynamic exports trace with 2.
    trace_batch = 2 if dynamic_batch and exporter == "dynamo" else 1
    # Trace on the model's own device; onnxruntime gets the same inputs on the CPU.
    device = next(iter(model.parameters()), torch.empty(0)).device
    x = _example_input(trace_batch, preprocessing.input_size, seed).to(device)
    checks = [_example_input(1, preprocessing.input_size, seed + 1) if check_input is None
              else torch.from_numpy(np.ascontiguousarray(check_input, dtype=np.float32))]
    if dynamic_batch:
        # A batch size differing from the traced one proves the batch axis really is free.
        checks.append(_example_input(3, preprocessing.input_size, seed + 2))

    tmpdir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        tmp = tmpdir / path.name
        # On the wrapper too: exporters restore the mode of the module they are given,
        # which recursively resets the backbone.
        with _inference_mode_of(net), torch.no_grad():
            with _quiet_exporters():
                run = _export_classic if exporter == "classic" else _export_dynamo
                run(net, x, tmp, opset, input_name, output_name, dynamic_batch, fold_constants)
            meta = {
                **preprocessing.metadata(),
                "head": head,
                "exporter": exporter,
                **({"embedding_size": str(model.num_features)}
                   if isinstance(getattr(model, "num_features", None), int) else {}),
                **{k: str(v) for k, v in (metadata or {}).items()},
            }
            meta = {METADATA_PREFIX + k: v for k, v in meta.items()}
            ops, locations, actual_opset = _write_metadata(tmp, meta)
            if actual_opset != opset:
                raise ExportVerificationError(
                    f"{path.name}: asked for opset {opset}, the exporter wrote {actual_opset}")
            if exporter == "dynamo" and not locations:
                raise ExportVerificationError(f"{path.name}: dynamo export wrote no external data")
            min_cos, max_diff, outputs = _compare(tmp, net, checks, input_name, device)

        # Weights first, model last: a reader never sees an .onnx whose data is missing.
        external = []
        for location in locations:
            os.replace(tmpdir / location, path.parent / location)
            external.append(path.parent / location)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    return ExportResult(path=path, external_data=external, opset=opset, exporter=exporter,
                        ops=ops, min_cosine=min_cos, max_abs_diff=max_diff,
                        seconds=time.perf_counter() - started, metadata=meta,
                        check_input=checks[0].numpy(), reference_output=outputs[0])


# ----------------------------------------------------------------------------- CLI


class UserError(Exception):
    """A problem with the user's input, reported without a stack trace."""


def _unwrap_state_dict(obj: object, source: Path) -> Dict[str, torch.Tensor]:
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    if not isinstance(obj, Mapping):
        raise UserError(f"{source}: expected a state_dict, found a {type(obj).__name__}")
    # arcface_torch writes model.pt as a bare backbone state_dict, and its resumable
    # checkpoint_gpu_*.pt with the backbone under "state_dict_backbone".
    for key in ("state_dict_backbone", "state_dict", "model", "backbone"):
        if key in obj and isinstance(obj[key], Mapping):
            obj = obj[key]
            break
    state = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not state:
        raise UserError(f"{source}: no tensors found; is this a backbone checkpoint?")
    # Checkpoints saved from DistributedDataParallel carry a "module." prefix.
    if all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def load_backbone(checkpoint: os.PathLike | str, network: Optional[str] = None, num_features: Optional[int] = None,
                  *, trusted: bool = False) -> nn.Module:
    """A CPU eval-mode backbone from a checkpoint file (or a folder holding model.pt), loaded strictly.

    This trainer's files (best_backbone.pt, checkpoint_rank*.pt) name their network and
    embedding size; arcface_torch's (model.pt, checkpoint_gpu_*.pt) need ``network``
    (``num_features`` defaults to 512). Files are read weights-only unless ``trusted``: the
    trainer's resumable checkpoints also hold RNG states and the config, which only a full
    unpickling reads, so pass trusted=True for files this trainer wrote itself."""
    source = Path(checkpoint)
    if source.is_dir():
        source = source / "model.pt"
    if not source.is_file():
        raise UserError(f"{source}: checkpoint not found")
    try:
        obj = torch.load(str(source), map_location="cpu", weights_only=not trusted)
    except Exception as exc:  # torch raises many types for corrupt or foreign files
        raise UserError(f"{source}: cannot read as a PyTorch checkpoint ({exc.__class__.__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    if isinstance(obj, Mapping) and isinstance(obj.get("network"), str) and "backbone" in obj:
        network = network or obj["network"]
        num_features = num_features or int(obj["embedding_size"])
    if network is None:
        raise UserError(f"{source}: the checkpoint does not name its network; give it (--network)")
    num_features = num_features or 512
    state = _unwrap_state_dict(obj, source)
    model = get_model(network, num_features=num_features)  # defaults: no dropout, fp32
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        def few(keys: List[str]) -> str:
            return ", ".join(keys[:5]) + (f" (+{len(keys) - 5} more)" if len(keys) > 5 else "")
        raise UserError(
            f"{source}: does not fit network {network!r} with num_features={num_features}: "
            f"missing {few(result.missing_keys) or 'none'}; "
            f"unexpected {few(result.unexpected_keys) or 'none'}")
    return model.eval()


def _parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="export_onnx.py",
        description="Export an arcface_torch backbone checkpoint to ONNX, verified with onnxruntime.")
    p.add_argument("checkpoint", help="backbone .pt/.pth file (or a folder holding model.pt)")
    p.add_argument("--network", required=True, choices=MODEL_NAMES, help="backbone architecture")
    p.add_argument("--output", help="output .onnx path (default: model.onnx beside the checkpoint)")
    p.add_argument("--num-features", type=int, default=512, help="embedding size (default 512)")
    p.add_argument("--opset", type=int, default=None,
                   help="ONNX opset: 11, 13, 17, 18 for classic (default 11); 18 for dynamo")
    p.add_argument("--exporter", choices=EXPORTERS, default="classic",
                   help="classic (TorchScript, one file) or dynamo (torch.export, external .data)")
    p.add_argument("--dynamic-batch", action="store_true", help="symbolic batch axis")
    p.add_argument("--keep-bn", action="store_true",
                   help="keep BatchNormalization nodes (no constant folding)")
    p.add_argument("--head", choices=HEADS, default="plain",
                   help="view_normalize appends F.normalize(x.view(N, -1))")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse_args(argv)
    opset = args.opset if args.opset is not None else (11 if args.exporter == "classic" else 18)
    try:
        _validate(opset, args.exporter, args.head)
        model = load_backbone(args.checkpoint, args.network, args.num_features)
        ckpt = Path(args.checkpoint)
        output = Path(args.output) if args.output else (ckpt if ckpt.is_dir() else ckpt.parent) / "model.onnx"
        result = export(model, output, opset=opset, exporter=args.exporter,
                        dynamic_batch=args.dynamic_batch, fold_constants=not args.keep_bn,
                        head=args.head, metadata={"backbone": args.network})
    except (UserError, ValueError, ExportVerificationError) as exc:
        print(f"export_onnx: error: {exc}", file=sys.stderr)
        return 1
    for f in result.files():
        print(f"wrote {f} ({f.stat().st_size} bytes)")
    print(f"onnxruntime vs PyTorch: min cosine {result.min_cosine:.7f}, "
          f"max abs diff {result.max_abs_diff:.3g}; opset {result.opset}, {result.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
