"""The optimiser (``train.optimizer``) and the learning-rate schedule: linear warm-up, then
cosine decay (per step)."""
from __future__ import annotations

import math

def make_optimizer(params, tc):
    """``train.optimizer`` over ``params``: AdamW (decoupled weight decay, the papers'
    choice), Adam (L2 weight decay) or SGD with ``train.momentum`` (Nesterov off); torch's
    classes without their torch._dynamo start-up (:mod:`repscope.eager_optim`)."""
    import torch

    from ..eager_optim import eager

    if tc.optimizer == "adamw":
        return eager(torch.optim.AdamW)(params, lr=tc.lr, weight_decay=tc.weight_decay)
    if tc.optimizer == "adam":
        return eager(torch.optim.Adam)(params, lr=tc.lr, weight_decay=tc.weight_decay)
    return eager(torch.optim.SGD)(params, lr=tc.lr, momentum=tc.momentum, weight_decay=tc.weight_decay)


def warmup_cosine(warmup_steps: int, total_steps: int, min_ratio: float = 0.0):
    """Multiplier of the base lr at optimiser step ``step`` (0-based): rises
    linearly from 1/warmup_steps to 1 over ``warmup_steps`` steps, then
    follows a half cosine from 1 down to ``min_ratio`` at ``total_steps``."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        span = max(1, total_steps - warmup_steps)
        progress = min(1.0, (step - warmup_steps) / span)
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor
