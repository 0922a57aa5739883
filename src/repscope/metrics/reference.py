"""The reference variable B of a mutual information I(Z; B), as categories: class
labels as they are, a continuous scalar cut into bins, vectors (e.g. the
inputs X) by spectral clustering. Every MI estimator of :mod:`repscope.metrics`
reads B through this module."""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_points, check_positive, integer_labels, to_numpy
from .binned import bin_columns

REFERENCE_TYPES = ("auto", "discrete", "scalar", "vector")


def cluster_reference(reference, reference_type="auto", n_clusters=10, seed=0) -> np.ndarray:
    """Discrete categories [N] for a reference variable B.

    - ``discrete`` (integer/bool labels, [N] or [N, 1]): used as they are;
    - ``scalar`` (a continuous [N] or [N, 1]): min-max scaled, cut into
      ``n_clusters`` equal bins;
    - ``vector`` ([N, D'], e.g. flattened inputs X): spectral clustering with a
      nearest-neighbours affinity and ``cluster_qr`` labels, seeded. Compute it
      once per dataset and pass the result back as ``clusters=``.
    ``auto`` picks discrete for one column of integer labels (integers, bools
    or floats that are all whole numbers: 0.0 ... 19.0 are 20 classes, not a
    scalar cut into bins), scalar for any other column, vector otherwise."""
    check_choice(reference_type, "reference_type", REFERENCE_TYPES)
    B = to_numpy(reference)
    if B.ndim == 1:
        B = B[:, None]
    if B.ndim != 2:
        raise ValueError(f"reference must be [N], [N, 1] or [N, D']; got shape {B.shape}")
    if reference_type == "auto":
        if B.shape[1] > 1:
            reference_type = "vector"
        elif integer_labels(B) is not None:
            reference_type = "discrete"
        else:
            reference_type = "scalar"
    if reference_type != "vector" and B.shape[1] != 1:
        raise ValueError(f"reference must be one column for reference_type={reference_type!r}; "
                         f"got shape {B.shape}")
    if reference_type == "discrete":
        if np.issubdtype(B.dtype, np.floating) and not np.isfinite(B).all():
            raise ValueError("reference contains NaN or Inf; discrete labels must be finite")
        labels = integer_labels(B[:, 0])
        return B[:, 0] if labels is None else labels
    check_points(B, "reference")
    check_positive(n_clusters, "n_clusters", integer=True)
    if reference_type == "scalar":
        return bin_columns(B, n_clusters)[:, 0]
    if len(B) <= max(n_clusters, 10):
        raise ValueError(f"reference: spectral clustering of vectors into n_clusters={n_clusters} needs more points "
                         f"than n_clusters and than its 10 nearest neighbours; got N={len(B)}")
    from sklearn.cluster import SpectralClustering

    return SpectralClustering(n_clusters=n_clusters, affinity="nearest_neighbors",
                              assign_labels="cluster_qr", random_state=seed).fit(B).labels_


def is_discrete(B, reference_type) -> bool:
    """Whether the reference B is read as class labels (``reference_type``, or for
    ``auto`` one column of integer labels, as :func:`cluster_reference` reads them)."""
    check_choice(reference_type, "reference_type", REFERENCE_TYPES)
    if reference_type == "auto":
        return (B.ndim == 1 or (B.ndim == 2 and B.shape[1] == 1)) and integer_labels(B) is not None
    return reference_type == "discrete"
