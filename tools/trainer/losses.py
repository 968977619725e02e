"""Margin-based softmax logits: ArcFace, CosFace and their combination.

    target logit = s * (cos(m1 * theta + m2) - m3),  other logits = s * cos(theta)

ArcFace is (1, 0.5, 0), CosFace (1, 0, 0.35), SphereFace-style m1 > 1.
Unlike arcface_torch (which edits logits in place under no_grad), the margin
here is differentiated exactly; theta is clamped away from 0 and pi so acos has
a finite gradient.
"""
from __future__ import annotations

import math

import torch


class CombinedMarginLoss(torch.nn.Module):
    def __init__(self, s: float, m1: float, m2: float, m3: float):
        super().__init__()
        self.s, self.m1, self.m2, self.m3 = float(s), float(m1), float(m2), float(m3)

    def forward(self, cosine: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """cosine: (N, C) in [-1, 1]; labels: (N,), -1 where the row's class is not here."""
        rows = torch.nonzero(labels >= 0, as_tuple=True)[0]
        if rows.numel():
            cols = labels[rows]
            target = cosine[rows, cols]
            if self.m1 != 1.0 or self.m2 != 0.0:
                eps = 1e-6
                theta = torch.acos(target.clamp(-1 + eps, 1 - eps))
                new = torch.cos(self.m1 * theta + self.m2)
                # Beyond pi the margin would make the logit grow again (the
                # "easy margin" problem): fall back to the CosFace-like penalty.
                if self.m2 > 0:
                    limit = math.cos(math.pi - self.m2)
                    new = torch.where(target > limit, new, target - math.sin(math.pi - self.m2) * self.m2)
                target_new = new - self.m3
            else:
                target_new = target - self.m3
            cosine = cosine.index_put((rows, cols), target_new)
        return cosine * self.s
