"""Fixed, seeded, stratified subsets (the evaluation set; the probe's training set)."""
from __future__ import annotations

import numpy as np


def stratified_subset(labels, n, seed, name: str = "n") -> np.ndarray:
    """Sorted indices of ``n`` samples whose class proportions match ``labels``
    (largest-remainder allocation), drawn with ``seed``. ``n=None`` keeps all;
    ``name`` is the config key reported when ``n`` does not fit.

    The same labels, n and seed always give the same indices, so every run and
    seed of a dataset is evaluated on the same points."""
    labels = np.asarray(labels)
    total = len(labels)
    if n is None:
        return np.arange(total)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 < n <= total:
        raise ValueError(f"{name} must be an integer in 1..{total} (the split's size) or null; got {n!r}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / total
    take = np.floor(quota).astype(int)
    short = n - take.sum()
    take[np.argsort(-(quota - take), kind="stable")[:short]] += 1
    picked = [rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
              for c, k in zip(classes, take)]
    return np.sort(np.concatenate(picked))
