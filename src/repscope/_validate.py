"""Boundary checks shared by every measure: each failure is a ValueError naming
the parameter, the bad value and what is allowed. Every public measure runs
them at its entry, before any expensive step (a distance matrix, a spectrum,
a fit), so a bad argument costs nothing."""
from __future__ import annotations

import math
import numbers
import re

import numpy as np

MAX_T = 1e6  # above it |lambda|^t under- or overflows for eigenvalues a rounding error away from 1
DEVICE = re.compile(r"(cpu|cuda(:\d+)?)")


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def to_numpy(x) -> np.ndarray:
    """A numpy view/copy of an array-like or torch tensor (moved to CPU)."""
    if _is_torch(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _largest(dtype: str) -> float:
    return float(np.finfo(np.dtype(dtype)).max)


def check_points(Z, name: str = "Z", min_n: int = 2, dtype: str | None = "float64"):
    """Z must be a finite, real 2-D [N, D] array with N >= min_n whose squared
    distances fit in ``dtype`` (the working precision; None skips that check).
    Returns it as numpy (copied to positive strides where it had negative
    ones, e.g. ``Z[::-1]``, which torch cannot wrap) or as the torch tensor it
    was, so backends can keep tensors on their device."""
    shape = tuple(Z.shape) if hasattr(Z, "shape") else np.shape(Z)
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D array of shape [N, D]; got shape {shape}")
    if shape[0] < min_n:
        raise ValueError(f"{name} must have at least {min_n} rows (points); got N={shape[0]}")
    if shape[1] < 1:
        raise ValueError(f"{name} must have at least 1 column (feature); got D={shape[1]}")
    if _is_torch(Z):
        import torch

        if Z.is_complex():
            raise ValueError(f"{name} must be real; got dtype {Z.dtype}")
        finite = bool(torch.isfinite(Z).all())
        lo, hi = (float(Z.min()), float(Z.max())) if finite else (0.0, 0.0)
    else:
        Z = np.asarray(Z)
        if not (np.issubdtype(Z.dtype, np.integer) or np.issubdtype(Z.dtype, np.floating) or Z.dtype == bool):
            raise ValueError(f"{name} must be a real numeric array; got dtype {Z.dtype}")
        if any(s < 0 for s in Z.strides):
            Z = np.ascontiguousarray(Z)
        finite = bool(np.isfinite(Z).all())
        lo, hi = (float(Z.min()), float(Z.max())) if finite else (0.0, 0.0)
    if not finite:
        raise ValueError(f"{name} contains NaN or Inf; all entries must be finite")
    if dtype is not None:
        limit = math.sqrt(_largest(dtype) / (16 * shape[1]))
        if max(abs(lo), abs(hi)) > limit:
            raise ValueError(
                f"{name} has entries up to {max(abs(lo), abs(hi)):.3g} in magnitude: its squared distances "
                f"overflow {dtype} (at most {limit:.3g} for D={shape[1]}); rescale {name} (e.g. divide it by "
                "its standard deviation; with a scale-free sigma such as 'median' or 'knn' the spectral "
                "measures do not change)")
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
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value against a dict or set
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {sorted(allowed, key=str)}; got {value!r}")
    return value


def check_same_length(n: int, other, name: str):
    m = len(other)
    if m != n:
        raise ValueError(f"{name} must have one entry per point (N={n}); got {m}")


def check_seed(seed, name: str = "seed"):
    """A non-negative integer (numpy's generators accept nothing else)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {seed!r}")
    return seed


def check_times(t):
    """``t``: a diffusion time in (0, 1e6] or a non-empty sequence of them."""
    try:  # any sequence (list, tuple, array, an OmegaConf list), else one value
        values = list(t) if np.ndim(t) > 0 else [t.item() if isinstance(t, np.ndarray) else t]
    except (TypeError, ValueError):
        values = [t]
    bad = not values or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)
                            or not np.isfinite(v) or not 0 < v <= MAX_T for v in values)
    if bad:
        raise ValueError(f"t must be a positive number up to {MAX_T:g} (the diffusion time) or a non-empty "
                         f"sequence of them; got {t!r}")
    return t


def check_max_n(max_n):
    """None (keep every point) or an integer >= 2."""
    if max_n is not None and (isinstance(max_n, bool) or not isinstance(max_n, numbers.Integral) or max_n < 2):
        raise ValueError(f"max_n must be None (every point) or a positive integer >= 2; got {max_n!r}")
    return max_n


def check_sigma(sigma, dtype: str = "float64"):
    """A bandwidth rule name or a number whose 1 / (2 sigma^2) is finite in ``dtype``."""
    from .spectral.kernel import BANDWIDTH_RULES

    if isinstance(sigma, str):
        return check_choice(sigma, "sigma", BANDWIDTH_RULES)
    if isinstance(sigma, (bool, np.bool_)) or not isinstance(sigma, numbers.Real):
        raise ValueError(f"sigma must be a positive number or one of {list(BANDWIDTH_RULES)}; got {sigma!r}")
    smallest = 2 * math.sqrt(1 / _largest(dtype))
    if not np.isfinite(sigma) or sigma < smallest:
        raise ValueError(f"sigma must be a positive finite number >= {smallest:.3g} (1 / sigma^2 must fit in {dtype}) "
                         f"or one of {list(BANDWIDTH_RULES)}; got {sigma!r}")
    return sigma


def check_device(device, backend: str = "torch"):
    """'cpu', 'cuda' or 'cuda:<i>' (CPU only with the numpy backend); CUDA
    must be present when asked for."""
    name = str(device)
    if not DEVICE.fullmatch(name):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:<i>'; got {device!r}")
    if backend == "numpy" and name != "cpu":
        raise ValueError(f"device must be 'cpu' with backend='numpy'; got {device!r}")
    if name != "cpu":
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was asked for but CUDA is not available; allowed here: 'cpu'")
    return device


def working_dtype(Z, dtype) -> str:
    """The precision the spectral work runs in: ``dtype``, or where it is None
    the input's own (float32 stays float32, anything else float64)."""
    if dtype is not None:
        return dtype
    return "float32" if str(getattr(Z, "dtype", "")).endswith("float32") else "float64"


def check_spectral(Z, *, sigma, t=1, knn_k=10, max_n=10000, seed=0, sampling="generator", backend="torch",
                   dtype="float64", device="cpu", solver="exact"):
    """Every argument of a spectral measure, before anything is computed:
    returns Z as :func:`check_points` does (its scale checked against the
    working precision)."""
    from .metrics.sampling import SAMPLING
    from .spectral import BACKENDS, DTYPES, as_solver

    check_choice(backend, "backend", BACKENDS)
    if dtype is not None:
        check_choice(dtype, "dtype", DTYPES)
    if backend == "numpy" and dtype not in (None, "float64"):
        raise ValueError(f"dtype must be 'float64' with backend='numpy'; got {dtype!r} "
                         "(use backend='torch' for float32)")
    check_device(device, backend)
    check_times(t)
    check_positive(knn_k, "knn_k", integer=True)
    check_max_n(max_n)
    check_seed(seed)
    check_choice(sampling, "sampling", SAMPLING)
    as_solver(solver)
    work = "float64" if backend == "numpy" else working_dtype(Z, dtype)
    check_sigma(sigma, work)
    Z = check_points(Z, dtype=work)
    n = Z.shape[0] if max_n is None else min(Z.shape[0], max_n)
    if sigma == "knn" and knn_k >= n:
        raise ValueError(f"knn_k must be smaller than the number of points N={n}; got {knn_k}")
    return Z


def integer_labels(values) -> np.ndarray | None:
    """``values`` as int64 when they are integer labels — an integer or bool
    array, or floats that are all finite whole numbers (0.0, 1.0, ...) — else
    None."""
    v = to_numpy(values)
    if np.issubdtype(v.dtype, np.integer) or v.dtype == bool:
        return v.astype(np.int64)
    if np.issubdtype(v.dtype, np.floating) and v.size and np.isfinite(v).all() and (v == np.round(v)).all() \
            and np.abs(v).max() < 2**53:
        return v.astype(np.int64)
    return None


def check_labels(labels, n: int, name: str = "labels") -> np.ndarray:
    """Class labels [n] as int64: integers, bools or integer-valued floats
    (0.0, 1.0, ... are the classes 0, 1, ...)."""
    y = integer_labels(np.asarray(to_numpy(labels)).reshape(-1))
    if y is None:
        raise ValueError(f"{name} must be class labels: integers, or floats that are whole numbers "
                         f"(0.0, 1.0, ...); got {np.asarray(to_numpy(labels)).dtype} values that are not")
    check_same_length(n, y, name)
    return y
