"""Geometry and linear read-outs of a representation, the peers researchers report beside
DSE/DSMI (``docs/measures.md``, Baselines and peers):

- :func:`twonn_intrinsic_dimension`: TwoNN (Facco et al. 2017), the maximum-likelihood
  dimension from the ratio of each point's second to first neighbour distance;
- :func:`linear_cka`: linear centred kernel alignment (Kornblith et al. 2019) between two
  representations of the same points;
- :func:`knn_accuracy`, :func:`linear_probe_accuracy`: cross-validated accuracy of a k-NN
  classifier and of a logistic-regression probe on Z (scikit-learn's estimators).
"""
from __future__ import annotations

import numpy as np

from .._validate import check_points, check_positive, check_same_length, to_numpy


def _labels(labels, n: int) -> np.ndarray:
    """Class labels [N] as integers; integer-valued floats are the classes they are."""
    y = to_numpy(labels).reshape(-1)
    check_same_length(n, y, "labels")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or not np.array_equal(y, np.round(y)):
            raise ValueError("labels must be class labels (integers, or floats that are all "
                             "integers); got non-integer values")
        y = y.astype(np.int64)
    if y.dtype.kind not in "iub":
        raise ValueError(f"labels must be integer class labels; got dtype {y.dtype}")
    return y


def _folds(y: np.ndarray, n_folds) -> int:
    check_positive(n_folds, "n_folds", integer=True)
    smallest = np.unique(y, return_counts=True)[1].min()
    if n_folds < 2 or smallest < n_folds:
        raise ValueError(f"n_folds must be >= 2 and at most the smallest class size "
                         f"({smallest}); got {n_folds}")
    return n_folds


def twonn_intrinsic_dimension(Z, *, discard_fraction=0.1) -> float:
    """TwoNN intrinsic dimension of Z [N, D] as Facco et al. fit it: with mu_i = r2_i / r1_i
    (second over first neighbour distance) sorted and F_i = i / n their empirical CDF, the
    slope through the origin of -log(1 - F_i) against log mu_i (mu is Pareto with exponent d),
    fitted on all but the largest ``discard_fraction`` of the ratios (outliers; the largest
    one always, where F = 1). Duplicate
    points (r1 = 0) are left out. Neighbours by scikit-learn's exact ``NearestNeighbors``."""
    from sklearn.neighbors import NearestNeighbors

    Z = to_numpy(check_points(Z, min_n=3)).astype(np.float64)
    if isinstance(discard_fraction, bool) or not 0 <= discard_fraction < 1:
        raise ValueError(f"discard_fraction must be in [0, 1); got {discard_fraction!r}")
    dist, _ = NearestNeighbors(n_neighbors=3).fit(Z).kneighbors(Z)
    r1, r2 = dist[:, 1], dist[:, 2]
    keep = r1 > 0
    mu = np.sort(r2[keep] / r1[keep])
    n = len(mu)
    m = min(int(np.floor(n * (1 - discard_fraction))), n - 1)  # F = 1 at the largest ratio
    x = np.log(mu[:m])
    y = -np.log1p(-np.arange(1, m + 1) / n)
    if m < 2 or (x ** 2).sum() <= 0:
        raise ValueError("Z has too few distinct points (every point needs two distinct "
                         "neighbours) for a TwoNN estimate")
    return float((x * y).sum() / (x ** 2).sum())


def linear_cka(X, Y) -> float:
    """Linear CKA between X [N, D1] and Y [N, D2] (the same N points): HSIC of the centred
    linear kernels, normalised, computed in feature space as
    ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F). In [0, 1]; 1 for X against itself,
    invariant to orthogonal maps and isotropic scaling of either side."""
    X = to_numpy(check_points(X, "X")).astype(np.float64)
    Y = to_numpy(check_points(Y, "Y")).astype(np.float64)
    check_same_length(X.shape[0], Y, "Y")
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    xx, yy = np.linalg.norm(X.T @ X), np.linalg.norm(Y.T @ Y)
    if xx == 0 or yy == 0:
        raise ValueError("linear CKA is undefined for a constant representation (all points equal)")
    return float(np.linalg.norm(Y.T @ X) ** 2 / (xx * yy))


def knn_accuracy(Z, labels, *, k=20, n_folds=5, seed=0) -> float:
    """Accuracy of a k-nearest-neighbour classifier (Euclidean, majority vote) on Z,
    ``n_folds``-fold stratified cross-validation (shuffled with ``seed``), pooled over folds."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.neighbors import KNeighborsClassifier

    Z = to_numpy(check_points(Z)).astype(np.float64)
    y = _labels(labels, Z.shape[0])
    check_positive(k, "k", integer=True)
    folds = _folds(y, n_folds)
    if k > Z.shape[0] - Z.shape[0] // folds - 1:
        raise ValueError(f"k must be smaller than a training fold ({Z.shape[0]} points, "
                         f"{folds} folds); got {k}")
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    pred = cross_val_predict(KNeighborsClassifier(n_neighbors=k), Z, y, cv=cv)
    return float((pred == y).mean())


def linear_probe_accuracy(Z, labels, *, C=1.0, n_folds=5, seed=0, max_iter=1000) -> float:
    """Accuracy of a linear probe on Z: standardised features, multinomial logistic
    regression with inverse regularisation ``C`` (scikit-learn, L-BFGS), ``n_folds``-fold
    stratified cross-validation (shuffled with ``seed``), pooled over folds."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Z = to_numpy(check_points(Z)).astype(np.float64)
    y = _labels(labels, Z.shape[0])
    check_positive(C, "C")
    check_positive(max_iter, "max_iter", integer=True)
    if len(np.unique(y)) < 2:
        raise ValueError("labels must contain at least 2 classes for a linear probe")
    cv = StratifiedKFold(_folds(y, n_folds), shuffle=True, random_state=seed)
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    pred = cross_val_predict(probe, Z, y, cv=cv)
    return float((pred == y).mean())
