"""Boundary checks shared by every measure: each failure is a ValueError naming
the parameter, the bad value and what is allowed."""
from __future__ import annotations

import numbers

import numpy as np


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def to_numpy(x) -> np.ndarray:
    """A numpy view/copy of an array-like or torch tensor (moved to CPU)."""
    if _is_torch(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def check_points(Z, name: str = "Z", min_n: int = 2):
    """Z must be a finite 2-D [N, D] array with N >= min_n. Returns it unchanged
    (numpy or torch), so backends can keep tensors on their device."""
    shape = tuple(Z.shape) if hasattr(Z, "shape") else np.shape(Z)
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D array of shape [N, D]; got shape {shape}")
    if shape[0] < min_n:
        raise ValueError(f"{name} must have at least {min_n} rows (points); got N={shape[0]}")
    if shape[1] < 1:
        raise ValueError(f"{name} must have at least 1 column (feature); got D={shape[1]}")
    if _is_torch(Z):
        import torch

        finite = bool(torch.isfinite(Z).all())
    else:
        Z = np.asarray(Z)
        if not np.issubdtype(Z.dtype, np.number) and Z.dtype != bool:
            raise ValueError(f"{name} must be numeric; got dtype {Z.dtype}")
        finite = bool(np.isfinite(Z).all())
    if not finite:
        raise ValueError(f"{name} contains NaN or Inf; all entries must be finite")
    return Z


def check_positive(value, name: str, integer: bool = False):
    """A strictly positive number (an integer when ``integer``)."""
    kind = "integer" if integer else "number"
    ok = isinstance(value, numbers.Integral) if integer else isinstance(value, numbers.Real)
    if isinstance(value, bool) or not ok or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive {kind}; got {value!r}")
    return value


def check_choice(value, name: str, allowed):
    """One of a fixed set of names."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {sorted(allowed, key=str)}; got {value!r}")
    return value


def check_same_length(n: int, other, name: str):
    m = len(other)
    if m != n:
        raise ValueError(f"{name} must have one entry per point (N={n}); got {m}")
