"""Gaussian kernels and their symmetric diffusion normalisation.

Every function works on one [n, n] matrix or a stack [B, n, n] and modifies
its argument in place, so building a diffusion operator holds one n x n
matrix in the working precision."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .._validate import check_choice, check_positive
from .backend import Backend

BANDWIDTH_RULES = ("median", "sqrt_dim", "knn")


def squared_distances(Z, be: Backend):
    """||z_i - z_j||^2 of the points Z [n, D] (or of each stack [B, n, D]) by
    one GEMM on centred points, clamped at 0, zero diagonal.

    Centring first leaves the distances unchanged and limits cancellation in
    float32."""
    be.check_fits((*Z.shape[:-1], Z.shape[-2]), "the pairwise distances")
    Z, sq = centred(be.asarray(Z))
    return be.fill_diagonal_(cross_squared_distances(Z, sq, Z, sq, be), 0)


def centred(Z):
    """(Z minus its mean point, squared norms of the rows) for [..., n, D]."""
    Z = Z - Z.mean(-2, keepdims=True)
    return Z, (Z * Z).sum(-1)


def cross_squared_distances(A, sq_a, B, sq_b, be: Backend, out=None):
    """||a_i - b_j||^2 [..., n, m] from points A, B and their squared norms
    (one GEMM, in place, clamped at 0), written into ``out`` if given (a
    buffer to reuse) or into a new array from ``be.zeros``."""
    d = be.matmul_(be.zeros((*A.shape[:-1], B.shape[-2])) if out is None else out, A, B.swapaxes(-1, -2))
    d *= -2
    d += sq_a[..., :, None]
    d += sq_b[..., None, :]
    return be.clamp_min_(d, 0)


def _offdiagonal_median(sqd, be: Backend) -> float:
    """Median of the pairwise distances over i != j (from squared distances)."""
    n = sqd.shape[-1]
    flat = be.to_numpy(sqd).reshape(-1).copy()
    m = n * n - n  # off-diagonal count; the diagonal zeros sort first
    lo, hi = n + (m - 1) // 2, n + m // 2
    part = np.partition(flat, [lo, hi])
    return float(0.5 * (math.sqrt(part[lo]) + math.sqrt(part[hi])))


def bandwidth(sqd, sigma, be: Backend, dim: int, knn_k: int = 10):
    """Resolve ``sigma`` to a number or a per-point vector.

    - a number > 0: the absolute bandwidth (the reference's convention, default
      10): DSE then depends on the scale of Z, DSE(cZ) != DSE(Z).
    - ``"median"``: the median pairwise distance — scale-free: DSE(cZ) = DSE(Z).
    - ``"sqrt_dim"``: sqrt(D), as the DSE authors used for pretrained models;
      sensible for features of unit scale per coordinate, not scale-free.
    - ``"knn"``: per point, the distance to its ``knn_k``-th nearest neighbour
      (self excluded), kernel exp(-d_ij^2 / (2 s_i s_j)); scale-free and
      adaptive to density.
    """
    if isinstance(sigma, str):
        check_choice(sigma, "sigma", BANDWIDTH_RULES)
        if sigma == "sqrt_dim":
            return math.sqrt(dim)
        if sigma == "median":
            s = _offdiagonal_median(sqd, be)
        else:
            n = sqd.shape[-1]
            check_positive(knn_k, "knn_k", integer=True)
            if knn_k >= n:
                raise ValueError(f"knn_k must be smaller than the number of points N={n}; got {knn_k}")
            s = be.sqrt(be.kth_smallest(sqd, knn_k + 1))  # +1: the zero self-distance
            if float(s.min()) <= 0:
                raise ValueError("sigma='knn' gave a zero bandwidth: some point has more than "
                                 f"knn_k={knn_k} exact duplicates; raise knn_k or deduplicate Z")
            return _resolvable(s, float(s.min()), be, "sigma='knn'")
        if s <= 0:
            raise ValueError("sigma='median' gave 0: more than half of the pairs of points coincide; "
                             "use a number or 'knn'")
        return _resolvable(s, float(s), be, "sigma='median'")
    if not isinstance(sigma, numbers.Real):
        raise ValueError(f"sigma must be a positive number or one of {list(BANDWIDTH_RULES)}; got {sigma!r}")
    check_positive(float(sigma), "sigma")
    return _resolvable(float(sigma), float(sigma), be, "sigma")


def _resolvable(bw, smallest: float, be: Backend, what: str):
    """``bw`` unless the kernel's 2 sigma^2 underflows the working precision (then every
    kernel entry is 0/0): a ValueError saying what to do."""
    tiny = float(np.finfo(np.dtype(be.dtype)).tiny)
    if 2 * smallest ** 2 < tiny:
        raise ValueError(f"{what} resolves to a bandwidth of {smallest:.3g}, whose square underflows "
                         f"{be.dtype}: rescale Z (e.g. divide it by its standard deviation; 'median' and "
                         "'knn' give the same values for any scale) or compute in float64")
    return bw


def gaussian_(sqd, bw):
    """exp(-d / (2 sigma^2)) in place; ``bw`` a number or per-point [..., n]."""
    if isinstance(bw, float):
        sqd *= -0.5 / (bw * bw)
    else:
        sqd /= bw[..., :, None]
        sqd /= bw[..., None, :]
        sqd *= -0.5
    return sqd.exp_() if hasattr(sqd, "exp_") else np.exp(sqd, out=sqd)


def normalize_symmetric_(G):
    """K = D^-1/2 G D^-1/2 by broadcasting (D = row sums), in place: K is
    symmetric with the eigenvalues of the diffusion operator P = D^-1 G.
    Returns (K, phi): phi = sqrt(D 1) / ||sqrt(D 1)||, the unit eigenvector of
    K's top eigenvalue 1 (known exactly, so SLQ can deflate it)."""
    sqrt_deg = G.sum(-1) ** 0.5
    r = 1 / sqrt_deg
    G *= r[..., :, None]
    G *= r[..., None, :]
    return G, sqrt_deg / (sqrt_deg * sqrt_deg).sum(-1, keepdims=True) ** 0.5
