"""Random subsets, drawn either as the reference draws them or with numpy.

``sampling="reference"`` reproduces dse-dsmi exactly: Python's ``random``
module seeded with ``seed`` (the reference seeds the global generator; here a
private ``random.Random(seed)`` gives the same sequence without touching global
state). ``sampling="generator"`` (the default) uses ``numpy.random.default_rng``.
"""
from __future__ import annotations

import random

import numpy as np

from .._validate import check_choice, check_points, check_positive

SAMPLING = ("generator", "reference")


class Sampler:
    """Draws subsets of ``range(n)`` of size ``k`` without replacement."""

    def __init__(self, seed: int = 0, sampling: str = "generator"):
        check_choice(sampling, "sampling", SAMPLING)
        self.seed, self.sampling = seed, sampling
        self.reset()

    def reset(self):
        """Restart the stream (the reference reseeds before every class)."""
        if self.sampling == "reference":
            self._rng = random.Random(self.seed)
        else:
            self._rng = np.random.default_rng(self.seed)

    def sample(self, n: int, k: int) -> np.ndarray:
        if self.sampling == "reference":
            return np.array(self._rng.sample(range(n), k=k))
        return self._rng.choice(n, size=k, replace=False)


def subsample(n: int, max_n, seed: int = 0, sampling: str = "generator"):
    """Indices of at most ``max_n`` of ``n`` points (None: keep all), drawn as
    the reference does when ``sampling='reference'``."""
    check_choice(sampling, "sampling", SAMPLING)
    if max_n is None:
        return None
    check_positive(max_n, "max_n", integer=True)
    if n <= max_n:
        return None
    return Sampler(seed, sampling).sample(n, max_n)


def sample_points(Z, max_n, seed: int = 0, sampling: str = "generator"):
    """Z, checked (:func:`repscope._validate.check_points`), or a random
    subset of ``max_n`` of its rows (:func:`subsample`)."""
    Z = check_points(Z)
    idx = subsample(Z.shape[0], max_n, seed, sampling)
    return Z if idx is None else Z[idx]
