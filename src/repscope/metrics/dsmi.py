"""Diffusion spectral mutual information and its peers (classic binned CSMI,
adjacency spectral MI), all from one estimator:

    MI(Z; B) = sum_b p(b) [ mean_r H(random subset of Z of size n_b) - H(Z | B = b) ]

with H the diffusion spectral entropy (DSMI), classic binned entropy (CSMI) or
an adjacency spectral entropy. The distances of Z are computed once and every
class and repetition is a sub-block of them; equal-sized blocks share one
batched eigensolver call."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import (check_choice, check_max_n, check_points, check_positive, check_same_length, check_seed,
                         check_spectral, to_numpy)
from ..spectral import ADJACENCY_KINDS, Estimate, SpectralSetup, as_solver, spectrum_entropy
from .binned import classic_entropies
from .reference import cluster_reference
from .sampling import Sampler, subsample


class MutualInformation(NamedTuple):
    """``mi`` in bits (an array when several t were asked for) and the cluster
    assignment of the reference, to pass back as ``clusters=`` next time."""

    mi: float | np.ndarray
    clusters: np.ndarray


def _subsets(clusters, n_repetitions, sampler: Sampler, max_n):
    """Per class: its own indices, then ``n_repetitions`` random subsets of the
    same size (the reference reseeds its generator before each class)."""
    labels, counts = np.unique(clusters, return_counts=True)
    small = labels[counts < 2]
    if len(small):
        raise ValueError(f"every class of the reference needs at least 2 samples (merge or drop rare classes, or lower n_clusters); class(es) "
                         f"{small.tolist()} have {counts[counts < 2].tolist()}")
    n = len(clusters)
    subsets = []
    for lab in labels:
        inside = np.flatnonzero(clusters == lab)
        if sampler.sampling == "reference":
            sampler.reset()
        draws = [sampler.sample(n, len(inside)) for _ in range(n_repetitions)]
        for idx in [inside] + draws:  # the reference's inner DSE calls subsample above max_n
            keep = subsample(len(idx), max_n, 0, sampler.sampling)
            subsets.append(idx if keep is None else idx[keep])
    return counts, subsets


def _combine(counts, H, n_repetitions):
    """sum_b p(b) [mean_r H(random_r) - H(class b)], in the reference's order."""
    H = H.reshape(len(counts), n_repetitions + 1, *H.shape[1:])
    per_class = H[:, 1:].mean(1) - H[:, 0]
    w = (counts / counts.sum()).reshape(-1, *([1] * (per_class.ndim - 1)))
    mi = (w * per_class).sum(0)
    return float(mi) if np.ndim(mi) == 0 else mi


def _combine_stderr(counts, E, n_repetitions):
    """Standard error of :func:`_combine` from the standard errors E of its
    entropies, taken as independent: sqrt(sum_b p(b)^2 [sum_r E_r^2 / R^2 + E_b^2])."""
    E = E.reshape(len(counts), n_repetitions + 1, *E.shape[1:])
    var = (E[:, 1:] ** 2).sum(1) / n_repetitions**2 + E[:, 0] ** 2
    w = (counts / counts.sum()).reshape(-1, *([1] * (var.ndim - 1)))
    se = np.sqrt((w * w * var).sum(0))
    return float(se) if np.ndim(se) == 0 else se


def _mutual_information(Z, reference, entropies, *, reference_type, n_clusters, clusters,
                        n_repetitions, seed, sampling, max_n) -> MutualInformation:
    Z = check_points(Z)
    check_positive(n_repetitions, "n_repetitions", integer=True)
    check_positive(n_clusters, "n_clusters", integer=True)
    check_seed(seed)
    check_max_n(max_n)
    if clusters is None:
        if reference is None:
            raise ValueError("reference is required unless clusters= is given")
        check_same_length(Z.shape[0], reference, "reference")
        clusters = cluster_reference(reference, reference_type, n_clusters, seed)
    else:
        clusters = to_numpy(clusters).reshape(-1)
        check_same_length(Z.shape[0], clusters, "clusters")
    counts, subsets = _subsets(clusters, n_repetitions, Sampler(seed, sampling), max_n)
    return MutualInformation(_combine(counts, entropies(Z, subsets), n_repetitions), clusters)


def diffusion_spectral_mutual_information(
        Z, reference=None, *, sigma=10.0, t=1, reference_type="auto", n_clusters=10,
        clusters=None, n_repetitions=5, seed=0, sampling="generator", knn_k=10, max_n=10000,
        matrix_entry=False, backend="torch", dtype=None, device="cpu",
        solver="exact") -> MutualInformation:
    """DSMI(Z; B) in bits, B given as ``reference`` (labels, a scalar or vectors;
    see :func:`cluster_reference`) or as a precomputed ``clusters`` assignment.

    ``sigma`` is resolved once on all of Z (so every class and subset shares one
    bandwidth); ``t`` may be a sequence. ``sampling='reference'`` draws the
    random subsets exactly as dse-dsmi 1.1 does (Python ``random``, reseeded
    with ``seed`` per class); the default uses a numpy Generator. ``solver`` as
    in :func:`diffusion_spectral_entropy`, applied to each class-sized block."""
    Z = check_spectral(Z, sigma=sigma, t=t, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling,
                       backend=backend, dtype=dtype, device=device, solver=solver)

    def entropies(Zc, subsets):
        setup = SpectralSetup(Zc, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device,
                              solver=as_solver(solver))
        return setup.entropies(subsets, t, matrix_entry=matrix_entry)[0]

    return _mutual_information(Z, reference, entropies, reference_type=reference_type,
                               n_clusters=n_clusters, clusters=clusters,
                               n_repetitions=n_repetitions, seed=seed, sampling=sampling,
                               max_n=max_n)


def diffusion_spectral_measures(
        Z, clusters, *, sigma=10.0, t=1, dse=True, n_repetitions=5, seed=0, sampling="generator",
        knn_k=10, max_n=10000, backend="torch", dtype=None, device="cpu",
        solver="exact", return_stderr=False) -> dict:
    """DSE(Z) and DSMI(Z; B) for every discrete reference in ``clusters``
    ({name: labels or a precomputed cluster assignment [N]}), all from one
    distance matrix and one bandwidth of Z, and every ``t`` from one spectrum
    per block. Returns {"DSE": ..., name: DSMI(Z; B), ...} in bits (arrays when
    ``t`` is a sequence); ``dse=False`` skips the full spectrum. ``solver`` as
    in :func:`diffusion_spectral_entropy` (``'auto'``: SLQ for the blocks above
    its ``exact_max_n``, exact below). With ``return_stderr`` every entry is
    an ``Estimate(value, stderr)``: 0 where every spectrum was exact, else
    SLQ's standard errors combined as if independent.

    Equal to :func:`diffusion_spectral_entropy` and
    :func:`diffusion_spectral_mutual_information` called one by one, except that
    a ``sigma`` rule is resolved on all of Z also for DSE when N > ``max_n``."""
    Z = check_spectral(Z, sigma=sigma, t=t, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling,
                       backend=backend, dtype=dtype, device=device, solver=solver)
    counts, subsets = _plan(Z.shape[0], clusters, dse, n_repetitions, seed, sampling, max_n)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device,
                          solver=as_solver(solver))
    return _assemble(counts, *setup.entropies(subsets, t), n_repetitions, dse, return_stderr)


def _plan(n, clusters, dse, n_repetitions, seed, sampling, max_n):
    """({name: class counts}, the subsets of every block in order: per reference, per
    class its own points then ``n_repetitions`` random subsets; last all of Z when ``dse``)."""
    check_positive(n_repetitions, "n_repetitions", integer=True)
    counts, subsets = {}, []
    for name, assignment in clusters.items():
        assignment = to_numpy(assignment).reshape(-1)
        check_same_length(n, assignment, f"clusters[{name!r}]")
        counts[name], per_class = _subsets(assignment, n_repetitions, Sampler(seed, sampling), max_n)
        subsets += per_class
    if dse:
        subsets.append(subsample(n, max_n, seed, sampling))
    return counts, subsets


def _assemble(counts, H, E, n_repetitions, dse, return_stderr) -> dict:
    """{"DSE": ..., name: DSMI(Z; B)} from the entropies H (standard errors E) of the blocks."""
    out, start = {}, 0
    for name, c in counts.items():
        block = slice(start, start + len(c) * (n_repetitions + 1))
        out[name] = _combine(c, H[block], n_repetitions)
        if return_stderr:
            out[name] = Estimate(out[name], _combine_stderr(c, E[block], n_repetitions))
        start = block.stop
    if dse:
        out["DSE"] = float(H[-1]) if np.ndim(H[-1]) == 0 else H[-1]
        if return_stderr:
            out["DSE"] = Estimate(out["DSE"], float(E[-1]) if np.ndim(E[-1]) == 0 else E[-1])
    return out


def diffusion_spectra(Z, clusters, *, sigma=10.0, dse=True, n_repetitions=5, seed=0, sampling="generator",
                      knn_k=10, max_n=10000, backend="torch", dtype=None, device="cpu") -> list[np.ndarray]:
    """The exact eigenvalues behind :func:`diffusion_spectral_measures` (arguments as
    there), one spectrum per block in its order: per reference, per class its own
    points then ``n_repetitions`` random subsets; last all of Z when ``dse``. They do
    not depend on t: keep them, and :func:`measures_from_spectra` gives the measures
    at any t, equal bit for bit to :func:`diffusion_spectral_measures` on the CPU
    (exact solver)."""
    Z = check_spectral(Z, sigma=sigma, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling,
                       backend=backend, dtype=dtype, device=device)
    _, subsets = _plan(Z.shape[0], clusters, dse, n_repetitions, seed, sampling, max_n)
    return SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device).spectra(subsets)


def measures_from_spectra(spectra, clusters, n: int, *, t=1, dse=True, n_repetitions=5, seed=0,
                          sampling="generator", max_n=10000, return_stderr=False) -> dict:
    """:func:`diffusion_spectral_measures` at the diffusion time(s) ``t`` from the
    ``spectra`` :func:`diffusion_spectra` returned for the same ``clusters``, the
    same number of points ``n`` and the same settings (standard errors 0: the
    spectra are exact). Spectra of another plan (another count of blocks or
    other sizes) raise a ValueError."""
    counts, subsets = _plan(n, clusters, dse, n_repetitions, seed, sampling, max_n)
    sizes = [n if idx is None else len(idx) for idx in subsets]
    if [len(lam) for lam in spectra] != sizes:
        raise ValueError(f"spectra: {len(spectra)} spectra of sizes {[len(lam) for lam in spectra]} are not "
                         f"those of these clusters and settings ({len(sizes)} blocks of sizes {sizes})")
    H = np.array([spectrum_entropy(lam[None], t)[0] for lam in spectra])
    return _assemble(counts, H, np.zeros_like(H), n_repetitions, dse, return_stderr)


def classic_shannon_mutual_information(
        Z, reference=None, *, num_bins_per_dim=2, reference_type="auto", n_clusters=10,
        clusters=None, n_repetitions=5, seed=0, sampling="generator",
        max_n=10000) -> MutualInformation:
    """CSMI(Z; B): the DSMI estimator with classic binned entropy in place of DSE."""
    check_positive(num_bins_per_dim, "num_bins_per_dim", integer=True)
    return _mutual_information(
        Z, reference, lambda Zc, s: classic_entropies(Zc, s, num_bins_per_dim),
        reference_type=reference_type, n_clusters=n_clusters, clusters=clusters,
        n_repetitions=n_repetitions, seed=seed, sampling=sampling, max_n=max_n)


def adjacency_spectral_mutual_information(
        Z, reference=None, *, sigma=10.0, kind="gaussian", knn=10, reference_type="auto",
        n_clusters=10, clusters=None, n_repetitions=5, seed=0, sampling="generator",
        max_n=10000, backend="torch", dtype=None, device="cpu") -> MutualInformation:
    """MI with an adjacency spectral entropy (``kind`` as in
    :func:`adjacency_spectral_entropy`) in place of DSE."""
    check_choice(kind, "kind", ADJACENCY_KINDS)
    Z = check_spectral(Z, sigma=sigma, knn_k=knn, max_n=max_n, seed=seed, sampling=sampling, backend=backend,
                       dtype=dtype, device=device)

    def entropies(Zc, subsets):
        setup = SpectralSetup(Zc, sigma, operator=ADJACENCY_KINDS[kind], knn_k=knn,
                              backend=backend, dtype=dtype, device=device)
        return setup.entropies(subsets)[0]

    return _mutual_information(Z, reference, entropies, reference_type=reference_type,
                               n_clusters=n_clusters, clusters=clusters,
                               n_repetitions=n_repetitions, seed=seed, sampling=sampling,
                               max_n=max_n)


def binned_mutual_information(Z, reference, *, num_bins=10, seed=0, n_repetitions=5,
                              reference_type="auto", n_clusters=10) -> float:
    """Binned (classic Shannon) MI in bits: CSMI with ``num_bins`` equal bins per
    dimension. The common-signature form of
    :func:`classic_shannon_mutual_information`."""
    return classic_shannon_mutual_information(
        Z, reference, num_bins_per_dim=num_bins, seed=seed, n_repetitions=n_repetitions,
        reference_type=reference_type, n_clusters=n_clusters).mi
