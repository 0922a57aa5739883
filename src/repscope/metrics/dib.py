"""Decodable information bottleneck (Dubois et al. 2020) per layer, as the thesis computes it (docs/sources.md).

A network is split at a layer into a frozen encoder (its output Z) and a decoder
family V (the rest of the network). The V-information that Z carries about a
discrete target T is I_V(Z -> T) = H[T] - H_V[T | Z], where H_V[T | Z] is the
cross-entropy (bits) that a freshly initialised decoder reaches when trained on
(Z, T) — an upper bound on H[T | Z] that only counts what V can decode.

* V-sufficiency: I_V(Z -> Y) for the class label Y.
* V-minimality is measured by the decodable information about the nuisance
  digits N_j — labels that together with Y identify every training sample
  (Algorithm 1 of the DIB paper as modified in the thesis (docs/sources.md), :func:`nuisance_digits`).
  Lower nuisance information means a more minimal (less memorising)
  representation.

H[T] is the entropy of each target's actual empirical distribution, not
log2 C: the leading nuisance digits are far from uniform. Decodable information
is reported unclipped (it is negative when the decoder underfits)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .._validate import _is_torch, check_labels, check_positive, check_same_length, to_numpy
from ..spectral import entropy_bits


def n_nuisance_digits(max_count: int, n_classes: int) -> int:
    """The number k of base-``n_classes`` digits that numbers 0..max_count-1 need:
    the smallest k with n_classes**k >= max_count, in exact integer arithmetic
    (ceil(log(max_count, C)) in floating point is wrong for powers, e.g. 125, 5)."""
    k, capacity = 0, 1
    while capacity < max_count:
        k, capacity = k + 1, capacity * n_classes
    return k


def nuisance_digits(labels, n_classes: int | None = None) -> np.ndarray:
    """Nuisance labels [N, k] (most significant digit first): within each class
    the samples are numbered 0..n_c-1 in their order of appearance and the
    number is written in base C = ``n_classes`` (default: max label + 1) with
    k = :func:`n_nuisance_digits` digits. (Y, digits) identifies every sample."""
    y = np.asarray(to_numpy(labels)).reshape(-1)
    if y.size == 0 or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(f"labels must be a non-empty array of integers >= 0; got dtype {y.dtype}, "
                         f"size {y.size}")
    C = int(y.max()) + 1 if n_classes is None else n_classes
    check_positive(C, "n_classes", integer=True)
    if C < 2 or y.max() >= C:
        raise ValueError(f"n_classes must be >= 2 and exceed every label (max label {y.max()}); "
                         f"got {C}")
    counts = np.bincount(y, minlength=C)
    order = np.argsort(y, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    index = np.empty_like(y)
    index[order] = np.arange(len(y)) - starts[y[order]]
    k = n_nuisance_digits(int(counts.max()), C)
    powers = [C ** (k - 1 - j) for j in range(k)]
    return np.stack([(index // p) % C for p in powers], axis=1) if k else np.zeros((len(y), 0), int)


def target_entropy_bits(target) -> float:
    """Entropy in bits of the empirical distribution of an integer target."""
    counts = np.bincount(np.asarray(target).reshape(-1))
    counts = counts[counts > 0]
    return float(entropy_bits(counts / counts.sum()))


def _fresh_copy(decoder, seed: int):
    """A deep copy of ``decoder`` with every submodule re-initialised from ``seed``
    (global torch RNG state is restored afterwards)."""
    import torch

    head = copy.deepcopy(decoder)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in head.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    return head


def decoded_cross_entropy(Z, targets, decoder, *, epochs: int = 300, lr: float = 1e-2,
                          batch_size: int | None = None, weight_decay: float = 0.0, seed: int = 0,
                          device: str = "cpu") -> np.ndarray:
    """H_V[T_j | Z] in bits for every column T_j of ``targets`` [N, K]: one fresh
    copy of ``decoder`` (a torch module mapping Z to >= max(T)+1 logits) per
    column, all trained together with Adam on the same seeded minibatches
    (``batch_size`` None = full batch) and evaluated on the full training set."""
    import torch
    import torch.nn.functional as F

    from ..eager_optim import eager

    check_positive(epochs, "epochs", integer=True)
    check_positive(lr, "lr")
    Zt = (Z.detach() if _is_torch(Z) else torch.as_tensor(np.asarray(Z))).to(device, torch.float32)
    if Zt.ndim < 2 or not bool(torch.isfinite(Zt).all()):
        raise ValueError(f"Z must be a finite array [N, ...]; got shape {tuple(Zt.shape)} "
                         "with non-finite entries or no feature axis")
    T = torch.as_tensor(np.asarray(targets), dtype=torch.long, device=device)
    check_same_length(Zt.shape[0], T, "targets")
    n, k = T.shape
    heads = torch.nn.ModuleList([_fresh_copy(decoder, seed + j) for j in range(k)]).to(device)
    opt = eager(torch.optim.Adam)(heads.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    step = n if batch_size is None else check_positive(batch_size, "batch_size", integer=True)
    heads.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).to(device)
        for i in range(0, n, step):
            idx = perm[i:i + step]
            loss = sum(F.cross_entropy(head(Zt[idx]), T[idx, j]) for j, head in enumerate(heads))
            opt.zero_grad()
            loss.backward()
            opt.step()
    heads.eval()
    with torch.no_grad():
        nats = [float(F.cross_entropy(head(Zt), T[:, j])) for j, head in enumerate(heads)]
    return np.array(nats) / np.log(2)


@dataclass(frozen=True)
class DecodableInformation:
    """Bits. ``sufficiency`` = I_V(Z -> Y); ``nuisance`` = sum over digits of
    I_V(Z -> N_j) (the V-minimality term: lower is more minimal)."""
    sufficiency: float
    nuisance: float
    per_digit: np.ndarray
    label_entropy: float
    digit_entropies: np.ndarray


def decodable_information(Z, labels, decoder=None, *, n_classes: int | None = None,
                          epochs: int = 300, lr: float = 1e-2, batch_size: int | None = None,
                          weight_decay: float = 0.0, seed: int = 0,
                          device: str = "cpu") -> DecodableInformation:
    """V-sufficiency and nuisance (V-minimality) information of the frozen
    representation Z [N, ...] of the training samples with labels [N].

    ``decoder``: the decoder family (the network after the split layer), a
    torch module from Z to ``n_classes`` logits; None = a linear head. One fresh
    copy is trained for Y and one per nuisance digit (see
    :func:`decoded_cross_entropy` for the training options)."""
    import torch

    n = Z.shape[0] if hasattr(Z, "shape") else len(Z)
    y = check_labels(labels, n)
    digits = nuisance_digits(y, n_classes)
    C = int(y.max()) + 1 if n_classes is None else n_classes
    if decoder is None:
        width = int(np.prod(Z.shape[1:]))
        decoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(width, C))
    targets = np.column_stack([y, digits])
    h_v = decoded_cross_entropy(Z, targets, decoder, epochs=epochs, lr=lr, batch_size=batch_size,
                                weight_decay=weight_decay, seed=seed, device=device)
    h = np.array([target_entropy_bits(targets[:, j]) for j in range(targets.shape[1])])
    info = h - h_v
    return DecodableInformation(sufficiency=float(info[0]), nuisance=float(info[1:].sum()),
                                per_digit=info[1:], label_entropy=float(h[0]),
                                digit_entropies=h[1:])
