"""Training objectives: one function per ``method.name`` family (and per
SimCLR ``method.loss``), each returning (loss, accuracy on the batch)."""
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


def batch_ratio(p1: torch.Tensor, p2: torch.Tensor, temperature: float, eps: float = 1e-7):
    """The DSE authors' contrastive loss: with s_ij = z1_i . z2_j of the
    normalised projections, -log(sum_i e^(s_ii/T) / (sum_(i!=j) e^(s_ij/T) + eps)
    + eps) / B — one ratio of summed positives to summed negatives over the
    cross-view pairs, not a cross entropy per view. Accuracy = fraction of
    first views whose most similar second view is their own."""
    z1, z2 = F.normalize(p1.float(), dim=1), F.normalize(p2.float(), dim=1)
    b = z1.shape[0]
    sim = torch.exp(z1 @ z2.T / temperature)
    positive = torch.eye(b, dtype=torch.bool, device=sim.device)
    ratio = sim[positive].sum() / (sim[~positive].sum() + eps)
    target = torch.arange(b, device=sim.device)
    return -torch.log(ratio + eps) / b, (sim.argmax(1) == target).float().mean()


SIMCLR_LOSSES = {"batch_ratio": batch_ratio, "nt_xent": nt_xent}


def simclr_loss(p1: torch.Tensor, p2: torch.Tensor, mcfg):
    """The SimCLR objective ``method.loss`` at ``method.temperature``."""
    return SIMCLR_LOSSES[mcfg.loss](p1, p2, mcfg.temperature)
