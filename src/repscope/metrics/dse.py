"""Diffusion spectral entropy and its spectral relatives (adjacency spectral
entropy, matrix-entry entropy), as pure functions on [N, D] arrays.

All of them go through :func:`subset_entropies`, which builds each operator
once and takes each spectrum once; a sequence of diffusion times ``t`` is
served from that one spectrum."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .._validate import check_choice, check_points, check_positive
from ..spectral import (Backend, bandwidth, entropy_bits, gather, gaussian_, normalize_symmetric_,
                        spectrum_entropy, squared_distances)
from .sampling import subsample

OPERATORS = ("diffusion", "gaussian", "knn")
ADJACENCY_KINDS = {"gaussian": "gaussian", "anisotropic": "diffusion", "knn": "knn"}


class SpectralSetup:
    """Distances and bandwidth of Z, computed once; entropies of any subsets of
    Z are then taken from them (DSMI uses one setup for every class and
    repetition)."""

    def __init__(self, Z, sigma=10.0, *, operator="diffusion", knn_k=10, backend="torch",
                 dtype="float64", device="cpu"):
        check_choice(operator, "operator", OPERATORS)
        self.be = Backend(backend, dtype, device)
        self.operator, self.knn_k, self.n = operator, knn_k, Z.shape[0]
        if operator == "knn":
            check_positive(knn_k, "knn", integer=True)
        self.sqd = squared_distances(Z, self.be)
        self.bw = None if operator == "knn" else bandwidth(self.sqd, sigma, self.be, Z.shape[1], knn_k)

    def _operator_(self, S, bw):
        """The operator on a stack of squared-distance blocks, in place."""
        if self.operator == "knn":
            thr = self.be.kth_smallest(S, min(self.knn_k, S.shape[-1]))
            return self.be.cast(S <= thr[..., None])
        gaussian_(S, bw)
        return normalize_symmetric_(S) if self.operator == "diffusion" else S

    def _spectra(self, A) -> np.ndarray:
        """Eigenvalue magnitudes of each matrix of the stack A, [B, n]."""
        if self.operator != "knn":
            return np.abs(self.be.eigvalsh(A))
        out = []
        for a in A:  # binarised k-NN graphs are not symmetric in general
            sym = bool((a == a.T).all())
            out.append(np.abs(self.be.eigvalsh(a) if sym else self.be.eigvals_general(a)))
        return np.stack(out)

    def entropies(self, subsets, t=1, matrix_entry=False) -> np.ndarray:
        """Entropy of each subset of points (index arrays; None = all points,
        which consumes the setup's distance matrix, so it is taken last). Shape
        [S] for a scalar t, [S, len(t)] for a sequence."""
        by_size = defaultdict(list)
        for i, idx in enumerate(subsets):
            by_size[None if idx is None else len(idx)].append(i)
        results = [None] * len(subsets)
        for size in sorted(by_size, key=lambda s: s is None):
            pos = by_size[size]
            if size is None:
                S = self.sqd[None]
                bw = self.bw if not hasattr(self.bw, "shape") else self.bw[None]
                self.sqd = None
            else:
                idx = np.stack([np.asarray(subsets[i]) for i in pos])
                S = gather(self.sqd, idx, self.be)
                bw = self.bw[self.be.index(idx)] if hasattr(self.bw, "shape") else self.bw
            A = self._operator_(S, bw)
            if matrix_entry:
                P = abs(A / A.sum(-1, keepdims=True))
                P = self.be.to_numpy(P).reshape(len(pos), -1).astype(np.float64)
                h = entropy_bits(P / P.sum(-1, keepdims=True))
                h = np.repeat(h[:, None], len(np.atleast_1d(t)), 1) if np.ndim(t) else h
            else:
                h = spectrum_entropy(self._spectra(A), t)
            for j, i in enumerate(pos):
                results[i] = h[j]
        return np.array(results)


def _points(Z, max_n, seed, sampling):
    Z = check_points(Z)
    idx = subsample(Z.shape[0], max_n, seed, sampling)
    return Z if idx is None else Z[idx]


def diffusion_spectrum(Z, sigma=10.0, *, knn_k=10, max_n=10000, seed=0, sampling="generator",
                       backend="torch", dtype="float64", device="cpu") -> np.ndarray:
    """Eigenvalues (ascending, float64) of the diffusion operator of Z.

    Compute it once and pass it to :func:`repscope.spectral.spectrum_entropy`
    for as many ``t`` as needed. Arguments as in :func:`diffusion_spectral_entropy`."""
    Z = _points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device)
    K = setup._operator_(setup.sqd, setup.bw)
    return setup.be.eigvalsh(K)


def diffusion_spectral_entropy(Z, sigma=10.0, t=1, *, knn_k=10, max_n=10000, seed=0,
                               sampling="generator", backend="torch", dtype="float64",
                               device="cpu"):
    """Diffusion spectral entropy of the points Z [N, D], in bits (<= log2 N).

    DSE = -sum_i p_i log2 p_i, p_i = |lambda_i|^t / sum_j |lambda_j|^t, lambda the
    eigenvalues of the diffusion operator of a Gaussian kernel of bandwidth
    ``sigma`` (a number, or ``'median'``, ``'sqrt_dim'``, ``'knn'``; see
    :func:`repscope.spectral.bandwidth`). ``t`` may be a sequence: one
    spectrum, one value per t. Above ``max_n`` points a random subset is used
    (``sampling='reference'`` draws it exactly as dse-dsmi does; None keeps all).
    ``backend`` ``'torch'`` (``dtype``, ``device``) or ``'numpy'`` (float64)."""
    lam = diffusion_spectrum(Z, sigma, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling,
                             backend=backend, dtype=dtype, device=device)
    return spectrum_entropy(lam, t)


def matrix_entry_entropy(Z, sigma=10.0, *, knn_k=10, max_n=10000, seed=0, sampling="generator",
                         backend="torch", dtype="float64", device="cpu") -> float:
    """Entropy of the entries of the row-stochastic diffusion matrix P (the
    reference's ``matrix_entry_entropy`` variant), in bits (<= 2 log2 N)."""
    Z = _points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device)
    return float(setup.entropies([None], matrix_entry=True)[0])


def adjacency_spectral_entropy(Z, sigma=10.0, *, kind="gaussian", knn=10, max_n=10000, seed=0,
                               sampling="generator", backend="torch", dtype="float64",
                               device="cpu") -> float:
    """Spectral entropy of an adjacency matrix of Z, in bits: the Gaussian
    kernel itself (``kind='gaussian'``), its anisotropic normalisation
    (``'anisotropic'``, = DSE at t = 1) or the k-NN binarised graph (``'knn'``:
    A_ij = 1 when z_j is among the ``knn`` nearest points of z_i, itself
    included; not symmetric in general, so eigenvalue magnitudes are used)."""
    check_choice(kind, "kind", ADJACENCY_KINDS)
    Z = _points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, operator=ADJACENCY_KINDS[kind], knn_k=knn, backend=backend,
                          dtype=dtype, device=device)
    return float(setup.entropies([None])[0])
