"""Partial FC (insightface arcface_torch PartialFC_V2 design).

The class centres are sharded across ranks: rank r owns classes
[start_r, start_r + num_local_r). Each step every rank all-gathers the
embeddings and labels of the whole global batch, scores them against (a
sample of) its own centres, and a distributed softmax cross-entropy combines
the shards: only (max, sum of exp, target logit) per row cross the network.
With sample_rate < 1 each rank keeps the centres of the classes present in the
batch plus random others, up to sample_rate * num_local.
"""
from __future__ import annotations

import math

import torch
import torch.distributed as dist
from torch.nn import functional as F

from losses import CombinedMarginLoss


def _world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class AllGather(torch.autograd.Function):
    """all_gather with a backward: each rank's slice gets the sum of all ranks' grads."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        rank, world = _world()
        ctx.rank, ctx.world = rank, world
        if world == 1:
            return tensor
        parts = [torch.empty_like(tensor) for _ in range(world)]
        dist.all_gather(parts, tensor.contiguous())
        return torch.cat(parts, 0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        if ctx.world == 1:
            return grad
        grad = grad.contiguous()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad.chunk(ctx.world, 0)[ctx.rank]


class DistCrossEntropy(torch.autograd.Function):
    """Softmax cross-entropy over class shards held by different ranks.

    Rows whose label is -1 on every rank (bad images) are left out of the mean.
    """

    @staticmethod
    def forward(ctx, logits: torch.Tensor, labels: torch.Tensor, valid: torch.Tensor):
        _, world = _world()
        with torch.no_grad():
            mx = logits.max(dim=1, keepdim=True).values
            if world > 1:
                dist.all_reduce(mx, op=dist.ReduceOp.MAX)
            prob = torch.exp(logits - mx)
            denom = prob.sum(dim=1, keepdim=True)
            if world > 1:
                dist.all_reduce(denom, op=dist.ReduceOp.SUM)
            prob.div_(denom)
            # log-softmax of the target from its logit (no clamping of tiny probabilities)
            local = torch.nonzero(labels >= 0, as_tuple=True)[0]
            target = torch.zeros(logits.size(0), 1, device=logits.device, dtype=logits.dtype)
            target[local, 0] = logits[local, labels[local]]
            if world > 1:
                dist.all_reduce(target, op=dist.ReduceOp.SUM)
            log_p = (target - mx - denom.log()).squeeze(1)
            n_valid = valid.sum().clamp_min(1)
            loss = -(log_p * valid).sum() / n_valid
        ctx.save_for_backward(prob, labels, valid, n_valid)
        return loss

    @staticmethod
    def backward(ctx, grad_loss: torch.Tensor):
        prob, labels, valid, n_valid = ctx.saved_tensors
        grad = prob.clone()
        local = torch.nonzero(labels >= 0, as_tuple=True)[0]
        grad[local, labels[local]] -= 1.0
        grad.mul_((valid / n_valid).unsqueeze(1)).mul_(grad_loss)
        return grad, None, None


class PartialFC(torch.nn.Module):
    def __init__(self, margin_loss: CombinedMarginLoss, embedding_size: int, num_classes: int,
                 sample_rate: float = 1.0, amp_dtype: torch.dtype | None = None):
        super().__init__()
        self.rank, self.world = _world()
        self.num_classes = num_classes
        self.num_local = num_classes // self.world + int(self.rank < num_classes % self.world)
        self.class_start = num_classes // self.world * self.rank + min(self.rank, num_classes % self.world)
        self.num_sample = int(math.ceil(sample_rate * self.num_local))
        self.sample_rate = sample_rate
        self.margin_loss = margin_loss
        self.amp_dtype = amp_dtype
        # arcface_torch's init: N(0, 0.01) centres.
        self.weight = torch.nn.Parameter(torch.normal(0, 0.01, (self.num_local, embedding_size)))

    def _sample(self, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(indices of the centres used, labels remapped to positions among them or -1)."""
        in_shard = (labels >= self.class_start) & (labels < self.class_start + self.num_local)
        local = torch.where(in_shard, labels - self.class_start, torch.full_like(labels, -1))
        if self.num_sample >= self.num_local:
            return None, local
        positive = torch.unique(local[in_shard], sorted=True)
        num = max(self.num_sample, positive.numel())
        score = torch.rand(self.num_local, device=labels.device)
        score[positive] = 2.0
        index = torch.topk(score, k=num)[1].sort()[0]
        remapped = torch.searchsorted(index, local.clamp_min(0))
        remapped = torch.where(in_shard, remapped, torch.full_like(labels, -1))
        return index, remapped

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        labels = labels.long().view(-1)
        all_emb = AllGather.apply(embeddings)
        if self.world > 1:
            parts = [torch.empty_like(labels) for _ in range(self.world)]
            dist.all_gather(parts, labels)
            all_labels = torch.cat(parts)
        else:
            all_labels = labels
        valid = (all_labels >= 0).to(torch.float32)
        index, local = self._sample(all_labels)
        weight = self.weight if index is None else self.weight[index]
        if self.amp_dtype is not None:
            with torch.autocast(device_type=embeddings.device.type, dtype=self.amp_dtype):
                cos = F.linear(F.normalize(all_emb), F.normalize(weight))
        else:
            cos = F.linear(F.normalize(all_emb.float()), F.normalize(weight))
        cos = cos.float().clamp(-1, 1)
        logits = self.margin_loss(cos, local)
        return DistCrossEntropy.apply(logits, local, valid)
