"""Diffusion spectral entropy and its spectral relatives (adjacency spectral
entropy, matrix-entry entropy), as pure functions on [N, D] arrays: each
checks its arguments, draws its points and asks one
:class:`repscope.spectral.SpectralSetup` for the entropy, so a sequence of
diffusion times ``t`` is served from one spectrum."""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_spectral
from ..spectral import ADJACENCY_KINDS, Estimate, SpectralSetup, as_solver
from .sampling import sample_points


def diffusion_spectrum(Z, sigma=10.0, *, knn_k=10, max_n=10000, seed=0, sampling="generator",
                       backend="torch", dtype=None, device="cpu") -> np.ndarray:
    """Eigenvalues (ascending, float64) of the diffusion operator of Z.

    Compute it once and pass it to :func:`repscope.spectral.spectrum_entropy`
    for as many ``t`` as needed. Arguments as in :func:`diffusion_spectral_entropy`."""
    Z = check_spectral(Z, sigma=sigma, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling, backend=backend,
                       dtype=dtype, device=device)
    Z = sample_points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device)
    return setup.spectrum()


def diffusion_spectral_entropy(Z, sigma=10.0, t=1, *, knn_k=10, max_n=10000, seed=0,
                               sampling="generator", backend="torch", dtype=None,
                               device="cpu", solver="exact", return_stderr=False):
    """Diffusion spectral entropy of the points Z [N, D], in bits (<= log2 N).

    DSE = -sum_i p_i log2 p_i, p_i = |lambda_i|^t / sum_j |lambda_j|^t, lambda the
    eigenvalues of the diffusion operator of a Gaussian kernel of bandwidth
    ``sigma`` (a number, or ``'median'``, ``'sqrt_dim'``, ``'knn'``; see
    :func:`repscope.spectral.bandwidth`). ``t`` may be a sequence: one
    spectrum, one value per t. Above ``max_n`` points a random subset is used
    (``sampling='reference'`` draws it exactly as dse-dsmi does; None keeps all).
    ``backend`` ``'torch'`` (``dtype``, ``device``) or ``'numpy'`` (float64);
    ``dtype=None`` follows Z: float32 points in float32, anything else in
    float64 (:func:`repscope.spectral.follow_dtype`).
    ``solver``: ``'exact'``, ``'slq'``, ``'auto'`` or a
    :class:`repscope.spectral.Solver`; with ``return_stderr`` the result is an
    ``Estimate(value, stderr)`` (stderr 0 when exact). Every argument is
    checked before any work (a ValueError naming it)."""
    Z = check_spectral(Z, sigma=sigma, t=t, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling,
                       backend=backend, dtype=dtype, device=device, solver=solver)
    Z = sample_points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device,
                          solver=as_solver(solver))
    values, errors = setup.entropies([None], t)
    value, err = values[0], errors[0]
    if np.ndim(value) == 0:
        value, err = float(value), float(err)
    return Estimate(value, err) if return_stderr else value


def matrix_entry_entropy(Z, sigma=10.0, *, knn_k=10, max_n=10000, seed=0, sampling="generator",
                         backend="torch", dtype=None, device="cpu") -> float:
    """Entropy of the entries of the row-stochastic diffusion matrix P (the
    reference's ``matrix_entry_entropy`` variant), in bits (<= 2 log2 N)."""
    Z = check_spectral(Z, sigma=sigma, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling, backend=backend,
                       dtype=dtype, device=device)
    Z = sample_points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device)
    return float(setup.entropies([None], matrix_entry=True)[0][0])


def adjacency_spectral_entropy(Z, sigma=10.0, *, kind="gaussian", knn=10, max_n=10000, seed=0,
                               sampling="generator", backend="torch", dtype=None,
                               device="cpu") -> float:
    """Spectral entropy of an adjacency matrix of Z, in bits: the Gaussian
    kernel itself (``kind='gaussian'``), its anisotropic normalisation
    (``'anisotropic'``, = DSE at t = 1) or the k-NN binarised graph (``'knn'``:
    A_ij = 1 when z_j is among the ``knn`` nearest points of z_i, itself
    included; not symmetric in general, so eigenvalue magnitudes are used)."""
    check_choice(kind, "kind", ADJACENCY_KINDS)
    Z = check_spectral(Z, sigma=sigma, knn_k=knn, max_n=max_n, seed=seed, sampling=sampling, backend=backend,
                       dtype=dtype, device=device)
    Z = sample_points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, operator=ADJACENCY_KINDS[kind], knn_k=knn, backend=backend,
                          dtype=dtype, device=device)
    return float(setup.entropies([None])[0][0])
