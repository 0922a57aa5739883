"""Training objectives: one function per ``method.name`` family, each
returning (loss, accuracy on the batch)."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor):
    """Supervised / random-label loss; accuracy against the (possibly
    permuted) training labels."""
    loss = F.cross_entropy(logits.float(), labels)
    return loss, (logits.argmax(1) == labels).float().mean()


def nt_xent(p1: torch.Tensor, p2: torch.Tensor, temperature: float):
    """SimCLR's normalised-temperature cross entropy over 2B projections: each
    view's positive is the other view of the same sample, the other 2B - 2
    views are negatives. Accuracy = fraction of views whose most similar
    other view is their positive."""
    z = F.normalize(torch.cat([p1, p2]).float(), dim=1)
    b = p1.shape[0]
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(b, 2 * b), torch.arange(b)]).to(z.device)
    return F.cross_entropy(sim, target), (sim.argmax(1) == target).float().mean()
