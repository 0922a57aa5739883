"""Entropies of spectra and of probability vectors, in bits."""
from __future__ import annotations

import numbers

import numpy as np

EPS = np.finfo(float).eps


def entropy_bits(prob) -> np.ndarray:
    """-sum p log2 p over the last axis. Like the reference, machine epsilon is
    added to every p first (it keeps log2 finite for p = 0 and shifts the
    result by at most ~N * 1e-14 bits)."""
    p = np.asarray(prob, dtype=np.float64) + EPS
    return -(p * np.log2(p)).sum(-1)


def _check_t(t):
    ts = np.atleast_1d(np.asarray(t, dtype=object))
    for v in ts:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(float(v)) or v <= 0:
            raise ValueError(f"t must be a positive number (diffusion time) or a sequence of them; got {t!r}")
    return np.asarray(ts, dtype=np.float64)


def spectrum_entropy(eigenvalues, t=1):
    """Entropy of p_i = |lambda_i|^t / sum_j |lambda_j|^t, in bits.

    ``eigenvalues`` is [n] or a stack [..., n]; ``t`` a number (result has the
    stack's shape) or a sequence (one more trailing axis, one entry per t) —
    so one spectrum serves every t."""
    ts = _check_t(t)
    lam = np.abs(np.asarray(eigenvalues, dtype=np.float64))
    out = []
    for tt in ts:
        p = lam ** tt
        out.append(entropy_bits(p / p.sum(-1, keepdims=True)))
    res = np.stack(out, axis=-1)
    if np.ndim(t) == 0:
        res = res[..., 0]
        return float(res) if res.ndim == 0 else res
    return res
