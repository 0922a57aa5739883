"""Ablation importance of the units of a layer (the modularity notebook, docs/sources.md): remove one neuron (set it
to zero) or one unit direction u (h -> h - (h . u) u) from a layer's output and
measure how the model's output distribution changes, per unit.

Per ablated unit, averaged over the samples, in bits:

* ``kl``: KL(p || q) between the original output distribution p and the ablated
  one q (softmax of the logits);
* ``entropy_change``: H(q) - H(p).

All units of a chunk are ablated in one forward pass: the inputs are repeated
once per unit and a forward hook edits each copy's layer output, so there is no
loop over samples and only ceil(units / chunk) passes. Seed 003 sums over a
batch of 64 and uses KL(q || p) through ``F.kl_div``; repscope averages (batch
size free) and uses KL(p || q), the divergence of the ablated model from the
original."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import _is_torch, check_choice, check_positive

KINDS = ("neurons", "directions")


@dataclass(frozen=True)
class AblationImportance:
    """Per ablated unit (neuron or direction): mean KL(p || q) and mean output
    entropy change H(q) - H(p), bits; ``directions`` [K, W] for kind 'directions'."""
    kl: np.ndarray
    entropy_change: np.ndarray
    directions: np.ndarray | None = None


def random_directions(n: int, width: int, seed=0) -> np.ndarray:
    """``n`` unit vectors of length ``width``, uniformly distributed on the sphere."""
    u = np.random.default_rng(seed).standard_normal((n, width))
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def _entropy_bits(logp):
    return -(logp.exp() * logp).sum(-1) / np.log(2)


def ablation_importance(model, module, X, *, kind: str = "neurons",
                        n_directions: int | None = None, seed=0, chunk: int = 32,
                        device: str = "cpu") -> AblationImportance:
    """Ablate every unit of ``module``'s output (feature axis 1) of ``model`` on
    inputs X [N, ...] (``kind='neurons'``) or ``n_directions`` random unit
    directions (``kind='directions'``, default as many as units; seeded), ``chunk``
    units per forward pass. The model's output must be logits [N, classes]."""
    import torch

    check_choice(kind, "kind", KINDS)
    check_positive(chunk, "chunk", integer=True)
    X = (X.detach() if _is_torch(X) else torch.as_tensor(np.ascontiguousarray(X))).to(device, torch.float32)
    if X.ndim < 2 or len(X) < 1 or not bool(torch.isfinite(X).all()):
        raise ValueError(f"X must be a finite batch of inputs [N, ...] with N >= 1; got shape {tuple(X.shape)}"
                         " (NaN, Inf or values beyond float32 are not allowed)")
    was_training = model.training
    model.eval()
    captured = {}
    handle = module.register_forward_hook(lambda m, i, out: captured.setdefault("h", out))
    try:
        with torch.no_grad():
            logp = torch.log_softmax(model(X), -1)
    finally:
        handle.remove()
    h = captured.get("h")
    if h is None or h.ndim < 2:
        model.train(was_training)
        raise ValueError("module must be a submodule of model whose output is [N, units, ...]; "
                         f"got {None if h is None else tuple(h.shape)}")
    width = h.shape[1]
    if kind == "neurons":
        units, directions = torch.eye(width, device=device), None
    else:
        n = width if n_directions is None else check_positive(n_directions, "n_directions", integer=True)
        directions = random_directions(n, width, seed)
        units = torch.as_tensor(directions, dtype=torch.float32, device=device)
    extra = (1,) * (h.ndim - 2)

    def ablate(_m, _i, out):  # copy c of the inputs loses unit batch[c] (the current chunk)
        out = out.reshape(len(batch), len(X), *out.shape[1:])
        u = batch.reshape(len(batch), 1, width, *extra)
        if kind == "neurons":
            return (out * (1 - u)).reshape(-1, *out.shape[2:])
        coeff = (out * u).sum(2, keepdim=True)
        return (out - coeff * u).reshape(-1, *out.shape[2:])

    kl, dh = [], []
    handle = module.register_forward_hook(ablate)
    try:
        with torch.no_grad():
            for start in range(0, len(units), chunk):
                batch = units[start:start + chunk]
                Xrep = X.repeat(len(batch), *([1] * (X.ndim - 1)))
                logq = torch.log_softmax(model(Xrep), -1).reshape(len(batch), len(X), -1)
                kl.append(((logp.exp() * (logp - logq)).sum(-1) / np.log(2)).mean(1))
                dh.append((_entropy_bits(logq) - _entropy_bits(logp)).mean(1))
    finally:
        handle.remove()
        model.train(was_training)
    return AblationImportance(kl=torch.cat(kl).cpu().numpy().astype(np.float64),
                              entropy_change=torch.cat(dh).cpu().numpy().astype(np.float64),
                              directions=directions)
