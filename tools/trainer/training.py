"""The training loop: data -> backbone -> Partial FC margin loss -> optimiser step.

Single process (CPU or one GPU) or torchrun (one process per GPU, NCCL DDP for
the backbone, class centres sharded by Partial FC).
"""
from __future__ import annotations

import contextlib
import datetime
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from backbones import get_model
from checkpoint import atomic_save, checkpoint_path, load_checkpoint, rng_state, set_rng_state
from config import ConfigError
from data.loaders import Loader, to_input
from data.sources import DataError, open_source
from lr_scheduler import lr_at, set_lr
from losses import CombinedMarginLoss
from partial_fc import PartialFC

_AMP = {"none": None, "fp16": torch.float16, "bf16": torch.bfloat16}


def init_distributed() -> tuple[int, int, int, torch.device]:
    """(rank, world, local_rank, device); starts the process group under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cpu")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return rank, world, local, device


class Logger:
    def __init__(self, rank: int, path: Path | None):
        self.rank = rank
        self.fh = open(path, "a") if (rank == 0 and path) else None
        self.bar = None

    def __call__(self, msg: str) -> None:
        if self.rank != 0:
            return
        if self.bar is not None:
            self.bar.write(msg)
        else:
            print(msg, flush=True)
        if self.fh:
            self.fh.write(msg + "\n")
            self.fh.flush()


def _fmt_eta(seconds: float) -> str:
    return str(datetime.timedelta(seconds=int(max(0, seconds))))


def build_optimizer(cfg, params_backbone, params_fc):
    groups = [{"params": list(params_backbone)}, {"params": list(params_fc)}]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)


class ModelEMA:
    """Exponential moving average of the backbone's weights (and float buffers).

    The decay ramps up as (1 + step) / (10 + step) early on, so the average is not
    dominated by the random initialisation.
    """

    def __init__(self, backbone: torch.nn.Module, decay: float):
        import copy

        self.model = copy.deepcopy(backbone).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, backbone: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        ema_t = [t for t in self.model.state_dict().values() if t.is_floating_point()]
        cur_t = [t for t in backbone.state_dict().values() if t.is_floating_point()]
        torch._foreach_lerp_(ema_t, cur_t, 1 - d)
        for e, c in zip(self.model.buffers(), backbone.buffers()):
            if not e.is_floating_point():
                e.copy_(c)


def _barrier(world: int) -> None:
    if world > 1:
        dist.barrier()


def save_state(cfg, rank, world, step, backbone, pfc, optimizer, scaler, best, ema=None) -> None:
    state = {
        "step": step, "world_size": world, "rank": rank,
        "network": cfg.network, "embedding_size": cfg.embedding_size,
        "backbone": backbone.state_dict(), "partial_fc": pfc.state_dict(),
        "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(),
        "rng": rng_state(), "best": best, "config": dict(cfg),
    }
    if ema is not None:
        state["ema"] = ema.model.state_dict()
    atomic_save(state, checkpoint_path(Path(cfg.output), rank))
    _barrier(world)


def run(cfg, bench_skip: int = 0, log_to_file: bool = True, stop_after: int = 0) -> dict:
    """Train per cfg. Returns a summary (steps, losses logged, best accuracy, img/s, paths).

    bench_skip: time img/s from this step on (benchmarks). stop_after: stop (and
    checkpoint) after this many steps without changing the lr schedule, as an
    interrupted run would (tests of resume).
    """
    rank, world, _, device = init_distributed()
    out = Path(cfg.output)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    _barrier(world)
    log = Logger(rank, out / "training.log" if log_to_file else None)

    random.seed(cfg.seed + rank)
    np.random.seed(cfg.seed + rank)
    torch.manual_seed(cfg.seed + rank)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    if cfg.loader in ("cache", "gpu_decode", "synthetic") and device.type != "cuda" and cfg.loader != "cache":
        raise ConfigError(f"loader '{cfg.loader}' needs a GPU; use loader='workers' or 'cache' on CPU")
    if cfg.loader == "synthetic":
        from data.sources import Source
        n_cls = cfg.num_classes or 1000
        source = Source(labels=[i % n_cls for i in range(max(cfg.num_image, cfg.batch_size * world * 50))],
                        names=[])
    else:
        source = open_source(cfg.rec)
    if cfg.num_classes and cfg.loader != "synthetic" and cfg.num_classes != source.num_classes:
        raise DataError(f"config num_classes={cfg.num_classes} but {cfg.rec} has {source.num_classes} classes")
    if cfg.num_image and cfg.loader != "synthetic" and cfg.num_image != len(source):
        raise DataError(f"config num_image={cfg.num_image} but {cfg.rec} has {len(source)} images")
    num_classes = source.num_classes

    loader = Loader(source, cfg.loader, cfg.batch_size, rank, world, cfg.seed, cfg.flip, device,
                    cfg.num_workers, cfg.cache_device, log=log)
    spe = loader.steps_per_epoch()
    if spe < 1:
        raise DataError(f"{cfg.rec}: {loader.num_samples} images are fewer than one global batch "
                        f"({cfg.batch_size} x {world})")
    total_steps = cfg.max_steps if cfg.max_steps > 0 else cfg.num_epoch * spe
    warmup_steps = int(cfg.warmup_epoch * spe)

    amp_dtype = _AMP[cfg.amp]
    backbone = get_model(cfg.network, dropout=cfg.dropout, num_features=cfg.embedding_size).to(device)
    if cfg.channels_last:
        backbone = backbone.to(memory_format=torch.channels_last)
    margin = CombinedMarginLoss(cfg.scale, *cfg.margin_list)
    pfc = PartialFC(margin, cfg.embedding_size, num_classes, cfg.sample_rate, amp_dtype).to(device)
    optimizer = build_optimizer(cfg, backbone.parameters(), pfc.parameters())
    ema = ModelEMA(backbone, cfg.ema_decay) if cfg.ema_decay > 0 else None
    scaler = torch.amp.GradScaler(device.type, enabled=(cfg.amp == "fp16"))

    step, best = 0, {"acc": -1.0, "std": 0.0, "step": 0}
    if cfg.resume:
        state = load_checkpoint(out, rank, world)
        backbone.load_state_dict(state["backbone"])
        pfc.load_state_dict(state["partial_fc"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        if ema is not None:
            if "ema" not in state:
                raise ValueError(f"resume: {checkpoint_path(out, rank)} has no EMA weights but ema_decay > 0")
            ema.model.load_state_dict(state["ema"])
        set_rng_state(state["rng"])
        step, best = state["step"], state["best"]
        steps = torch.tensor([step], device=device)
        if world > 1:
            lo, hi = steps.clone(), steps.clone()
            dist.all_reduce(lo, op=dist.ReduceOp.MIN)
            dist.all_reduce(hi, op=dist.ReduceOp.MAX)
            if lo.item() != hi.item():
                raise ValueError(f"resume: rank checkpoints in {out} are from different steps "
                                 f"({lo.item()}..{hi.item()}); a save was interrupted")
        log(f"[resume] from step {step} of {out}")

    model = backbone
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            backbone, device_ids=[device.index] if device.type == "cuda" else None,
            broadcast_buffers=False, bucket_cap_mb=16)
    fwd = torch.compile(model) if cfg.compile else model

    validator = None
    if cfg.val_pairs and rank == 0:
        from lfw_eval import TorchValidator
        validator = TorchValidator(cfg.val_images, cfg.val_pairs, device, cfg.val_batch_size)

    def validate(at_step: int) -> None:
        if validator is None:
            return
        scored = ema.model if ema is not None else backbone  # the weights that get exported
        acc, std = validator(scored, channels_last=cfg.channels_last)
        improved = acc > best["acc"]
        if improved:
            best.update(acc=acc, std=std, step=at_step)
            atomic_save({"backbone": scored.state_dict(), "network": cfg.network,
                         "embedding_size": cfg.embedding_size, "step": at_step, "acc": acc},
                        out / "best_backbone.pt")
        log(f"[val] step {at_step} LFW acc {acc * 100:.2f}% +- {std * 100:.2f}"
            f"{' (best)' if improved else ''}; best {best['acc'] * 100:.2f}% at step {best['step']}")

    log(f"[train] {cfg.network} on {len(source)} images / {num_classes} ids ({loader.num_samples} usable), "
        f"{world} rank(s) x batch {cfg.batch_size}, {total_steps} steps ({spe}/epoch), "
        f"loader {cfg.loader}, amp {cfg.amp}, device {device}")
    bar = None
    if rank == 0 and cfg.progress_bar and sys.stderr.isatty():
        try:
            from tqdm import tqdm
            bar = tqdm(total=total_steps, initial=step, unit="step", dynamic_ncols=True)
            log.bar = bar
        except ImportError:
            pass

    model.train()
    autocast = (torch.autocast(device_type=device.type, dtype=amp_dtype) if amp_dtype is not None
                else contextlib.nullcontext())
    loss_sum = torch.zeros((), device=device)
    loss_n, last_loss, losses = 0, float("nan"), []
    t_log, step_log = time.time(), step
    t_start, bench_t0 = time.time(), None
    global_batch = cfg.batch_size * world
    while step < total_steps and not (stop_after and step >= stop_after):
        epoch, in_epoch = divmod(step, spe)
        for images, labels, flips, n_bad in loader.epoch(epoch, in_epoch):
            if bench_skip and step == bench_skip:
                if device.type == "cuda":
                    torch.cuda.synchronize()
                bench_t0, bench_step0 = time.time(), step
            lr = lr_at(step, cfg.lr, total_steps, warmup_steps, cfg.lr_power)
            set_lr(optimizer, lr)
            x = to_input(images, flips, cfg.channels_last, cfg.aug_scale, cfg.aug_rotate, cfg.aug_shift, cfg.aug_color)
            with autocast:
                emb = fwd(x)
            loss = pfc(emb.float(), labels)
            scaler.scale(loss).backward()
            if cfg.clip_grad > 0:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(backbone.parameters(), cfg.clip_grad)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            if ema is not None:
                ema.update(backbone, step)
            loss_sum += loss.detach()
            loss_n += 1
            step += 1
            if bar is not None:
                bar.update(1)
            if step % cfg.frequent == 0 or step == total_steps:
                last_loss = (loss_sum / max(1, loss_n)).item()
                losses.append((step, last_loss))
                loss_sum.zero_()
                loss_n = 0
                now = time.time()
                ips = (step - step_log) * global_batch / max(1e-9, now - t_log)
                eta = (total_steps - step) * global_batch / max(ips, 1e-9)
                log(f"step {step}/{total_steps} epoch {epoch} loss {last_loss:.4f} lr {lr:.6f} "
                    f"{ips:.0f} img/s ETA {_fmt_eta(eta)}"
                    + (f" bad images {loader.bad_total}" if loader.bad_total else ""))
                t_log, step_log = now, step
                if not math.isfinite(last_loss):
                    raise FloatingPointError(f"loss is {last_loss} at step {step}; lower lr or use bf16")
            last = step >= total_steps or (stop_after and step >= stop_after)
            epoch_end = step % spe == 0
            if (cfg.val_every and step % cfg.val_every == 0) or (not cfg.val_every and epoch_end) or last:
                validate(step)
            if (cfg.save_every and step % cfg.save_every == 0) or (not cfg.save_every and epoch_end) or last:
                save_state(cfg, rank, world, step, backbone, pfc, optimizer, scaler, best, ema)
            if last:
                break
    if device.type == "cuda":
        torch.cuda.synchronize()
    t_end = time.time()
    if bar is not None:
        bar.close()
        log.bar = None
    summary = {"steps": step, "loss": last_loss, "losses": losses, "best_acc": best["acc"], "best_step": best["step"],
               "seconds": t_end - t_start, "bad_images": loader.bad_total, "output": str(out)}
    if bench_t0 is not None:
        summary["img_per_s"] = (step - bench_step0) * global_batch / (t_end - bench_t0)
    if rank == 0 and cfg.export_onnx and step >= total_steps:
        from export_model import export_backbone
        onnx_path = export_backbone(cfg, ema.model if ema is not None else backbone, out, log)
        summary["onnx"] = str(onnx_path)
    log(f"[done] {step} steps in {_fmt_eta(t_end - t_start)}; final loss {last_loss:.4f}; "
        f"best LFW {best['acc'] * 100:.2f}% at step {best['step']}")
    if world > 1:
        _barrier(world)
        dist.destroy_process_group()
    return summary
