"""Peers of DSE/DSMI: k-NN (KSG), matrix-based and rank-based estimators. The
mutual-information estimators share one signature,
``f(Z, reference, *, seed=..., ...) -> bits``; the variational bounds (MINE,
InfoNCE) live in :mod:`repscope.metrics.variational`, the binned one
(:func:`repscope.metrics.dsmi.binned_mutual_information`) beside CSMI.

- :func:`ksg_mutual_information`: Kraskov–Stögbauer–Grassberger k-NN
  estimator. A discrete reference (class labels) uses Ross's (2014) variant
  for a continuous Z and a discrete label, with Euclidean distances (one GEMM,
  so D = 20 000 stays cheap); a continuous reference uses KSG's algorithm 1
  with the max-norm in the joint space. ``reference_type='scalar'`` on labels
  treats them as a continuous number, as the DSE authors' KSG baseline did.
- :func:`von_neumann_entropy`: matrix-based Rényi/von Neumann entropy of the
  trace-normalised Gram matrix (Sánchez Giraldo et al. 2015).
- :func:`effective_rank`: RankMe (Garrido et al. 2023), exp of the entropy of
  the normalised singular values; a count, not bits.
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import (check_choice, check_device, check_points, check_positive, check_same_length, check_seed,
                         check_sigma, to_numpy)
from ..spectral import Backend, bandwidth, entropy_bits, gaussian_, squared_distances
from .reference import cluster_reference, is_discrete

LN2 = math.log(2)
KERNELS = ("gaussian", "linear")


def _jitter(X, scale, rng):
    """X plus ``scale`` * std(column) Gaussian noise: breaks distance ties, as
    Kraskov et al. recommend (ties make the neighbour counts ill-defined)."""
    if scale == 0:
        return X
    return X + scale * X.std(0, keepdims=True) * rng.normal(size=X.shape)


def _chebyshev(X, be: Backend, chunk: int = 1024):
    """Max-norm distance matrix [N, N], computed in row blocks on the backend."""
    import torch

    X = be.asarray(X)
    return torch.cat([torch.cdist(X[i:i + chunk], X, p=float("inf"))
                      for i in range(0, X.shape[0], chunk)])


def _ksg_discrete(Z, y, k, be: Backend) -> float:
    """Ross (2014): I = psi(N) - <psi(N_y)> + psi(k) - <psi(m)>, m = number of
    points (itself included) strictly closer than the k-th same-class
    neighbour. Classes with one sample are left out, as in scikit-learn."""
    import torch

    d = squared_distances(Z, be)
    n = len(y)
    radius = np.zeros(n)
    k_eff = np.zeros(n)
    counts = np.zeros(n)
    for lab in np.unique(y):
        inside = np.flatnonzero(y == lab)
        counts[inside] = len(inside)
        if len(inside) < 2:
            continue
        kk = min(k, len(inside) - 1)
        idx = torch.as_tensor(inside, device=d.device)
        block = d[idx[:, None], idx[None, :]]
        radius[inside] = block.kthvalue(kk + 1, dim=1).values.double().cpu().numpy()  # +1: self
        k_eff[inside] = kk
    keep = counts > 1
    r = torch.as_tensor(radius, device=d.device, dtype=d.dtype)
    m = (d < r[:, None]).sum(1).double().cpu().numpy()
    keep &= m > 0
    n_kept = int(keep.sum())
    if n_kept == 0:
        raise ValueError(f"k={k}: every point has its k-th same-class neighbour at distance 0 (duplicate points); "
                         "lower k, raise jitter or deduplicate Z")
    from scipy.special import digamma  # here, not at the top: most measure jobs need no scipy

    mi = (digamma(n_kept) + digamma(k_eff[keep]).mean() - digamma(counts[keep]).mean()
          - digamma(m[keep]).mean())
    return max(0.0, float(mi)) / LN2


def _max_norm_cpu(X: np.ndarray):
    """Max-norm distance matrix of float64 rows on the CPU: scipy's ``pdist`` (each pair
    once, compiled), or ``|x_i - x_j|`` directly for one column (the same values, without
    ``squareform``'s cost, which exceeds the pairs' there)."""
    import torch

    if X.shape[1] == 1:
        return torch.from_numpy(np.abs(X - X.T))
    from scipy.spatial.distance import pdist, squareform

    return torch.from_numpy(squareform(pdist(X, "chebyshev")))


def _joint_radii_and_counts(Z, B, k, be: Backend):
    """(eps, n_z, n_b) of KSG algorithm 1, numpy arrays: eps_i the max-norm
    distance of point i to its k-th neighbour in the joint space [Z, B], n_z
    and n_b the other points strictly inside eps_i in each marginal. The
    max-norm distance matrices come from :func:`_chebyshev` on a GPU, from
    scipy's ``pdist`` on the CPU: each pair once, in compiled code, and exact
    in floating point, so the same values (several times faster than torch's
    ``cdist`` there)."""
    import torch

    if be.device == "cpu":
        dz, db = (_max_norm_cpu(be.to_numpy(be.asarray(X)).astype(np.float64)) for X in (Z, B))
    else:
        dz, db = _chebyshev(Z, be), _chebyshev(B, be)
    eps = torch.maximum(dz, db).kthvalue(k + 1, dim=1).values  # +1: the point itself
    nz, nb = ((d < eps[:, None]).sum(1) - 1 for d in (dz, db))
    return (t.double().cpu().numpy() for t in (eps, nz, nb))


def _ksg_continuous(Z, B, k, be: Backend) -> float:
    """KSG algorithm 1: eps_i = max-norm distance to the k-th neighbour in the
    joint space; I = psi(k) + psi(N) - <psi(n_z + 1) + psi(n_b + 1)> with n_z,
    n_b the neighbours strictly inside eps_i in each marginal."""
    eps, nz, nb = _joint_radii_and_counts(Z, B, k, be)
    if float(eps.min()) <= 0:
        raise ValueError(f"k={k}: some point has k exact duplicates in the joint space of Z and the reference, "
                         "which jitter cannot separate where a column is constant; lower k or deduplicate Z")
    from scipy.special import digamma

    mi = digamma(k) + digamma(len(eps)) - (digamma(nz + 1) + digamma(nb + 1)).mean()
    return max(0.0, float(mi)) / LN2


def ksg_mutual_information(Z, reference, *, k=3, reference_type="auto", seed=0, jitter=1e-10,
                           dtype="float64", device="cpu") -> float:
    """KSG k-NN mutual information I(Z; B) in bits (clipped at 0).

    ``reference`` B: class labels [N] (discrete: Ross's variant, Euclidean
    distances) or continuous values [N] / [N, D'] (KSG algorithm 1, max-norm).
    ``reference_type`` forces the reading (``'scalar'`` or ``'vector'`` =
    continuous); ``'auto'`` takes one integer column as discrete. ``jitter``
    (relative to each column's std, drawn with ``seed``) breaks distance ties;
    0 turns it off. Cost: one N x N distance matrix, in torch on ``device``."""
    check_positive(k, "k", integer=True)
    check_seed(seed)
    check_choice(dtype, "dtype", ("float32", "float64"))
    check_device(device)
    Z = to_numpy(check_points(Z, dtype=dtype)).astype(np.float64)
    if not (isinstance(jitter, (int, float)) and not isinstance(jitter, bool) and 0 <= jitter < np.inf):
        raise ValueError(f"jitter must be a finite number >= 0; got {jitter!r}")
    if k >= Z.shape[0]:
        raise ValueError(f"k must be smaller than the number of points N={Z.shape[0]}; got {k}")
    B = to_numpy(reference)
    check_same_length(Z.shape[0], B, "reference")
    if B.ndim > 2:
        raise ValueError(f"reference must be [N] or [N, D']; got shape {B.shape}")
    be = Backend("torch", dtype, device)
    rng = np.random.default_rng(seed)
    if is_discrete(B, reference_type):
        y = cluster_reference(B, "discrete")
        return _ksg_discrete(_jitter(Z, jitter, rng), y, k, be)
    B = check_points(B.reshape(len(B), -1).astype(np.float64), "reference", dtype=dtype)
    return _ksg_continuous(_jitter(Z, jitter, rng), _jitter(B, jitter, rng), k, be)


def von_neumann_entropy(Z, *, kernel="gaussian", sigma=10.0, alpha=1.0, backend="torch",
                        dtype="float64", device="cpu") -> float:
    """Matrix-based entropy of Z in bits: A = K / tr(K) with K the Gram matrix
    (``kernel='gaussian'`` of bandwidth ``sigma`` — a number or a rule of
    :func:`repscope.spectral.bandwidth` — or ``'linear'``, Z Z^T), then the
    Rényi entropy of order ``alpha`` of A's eigenvalues:
    log2(sum lambda^alpha) / (1 - alpha); alpha = 1 is von Neumann's
    -sum lambda log2 lambda. At most log2 N; log2 N for K proportional to I."""
    check_choice(kernel, "kernel", KERNELS)
    check_positive(alpha, "alpha")
    be = Backend(backend, dtype, device)
    check_device(device, backend)
    if kernel == "gaussian":
        check_sigma(sigma, dtype)
    Z = check_points(Z, dtype=dtype)
    if kernel == "linear":
        X = be.asarray(Z)
        K = X @ X.T
    else:
        d = squared_distances(Z, be)
        bw = bandwidth(d, sigma, be, Z.shape[1])
        if hasattr(bw, "shape"):
            raise ValueError("sigma='knn' gives per-point bandwidths; von_neumann_entropy needs "
                             "one bandwidth: a number, 'median' or 'sqrt_dim'")
        K = gaussian_(d, bw)
    lam = np.clip(be.eigvalsh(K), 0, None)
    if lam.sum() <= 0:
        raise ValueError("Z has a zero Gram matrix (all points zero under the linear kernel); "
                         "its matrix-based entropy is undefined")
    lam = lam / lam.sum()
    if alpha == 1:
        return float(entropy_bits(lam))
    return float(np.log2((lam[lam > 0] ** alpha).sum()) / (1 - alpha))


def effective_rank(Z, *, eps=1e-7) -> float:
    """RankMe: exp(-sum p_k log p_k), p_k = s_k / sum(s) + eps, s the singular
    values of Z [N, D]. Between 1 and min(N, D); k for rank-k data with equal
    singular values."""
    Z = to_numpy(check_points(Z)).astype(np.float64)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps < np.inf:
        raise ValueError(f"eps must be a finite number >= 0; got {eps!r}")
    s = np.linalg.svd(Z, compute_uv=False)
    if s.sum() <= 0:
        raise ValueError("Z is all zeros; its effective rank is undefined")
    p = s / s.sum() + eps
    p = p[p > 0]  # 0 log 0 = 0 (a zero singular value with eps=0)
    return float(np.exp(-(p * np.log(p)).sum()))
