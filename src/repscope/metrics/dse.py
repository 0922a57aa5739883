"""Diffusion spectral entropy and its spectral relatives (adjacency spectral
entropy, matrix-entry entropy), as pure functions on [N, D] arrays.

All of them go through :func:`subset_entropies`, which builds each operator
once and takes each spectrum once; a sequence of diffusion times ``t`` is
served from that one spectrum."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .._validate import check_choice, check_points, check_positive, check_spectral
from ..spectral import (Backend, DiffusionOperator, Estimate, PackedDiffusionOperator, Solver, as_solver,
                        bandwidth, entropy_bits, follow_dtype, gaussian_, normalize_symmetric_,
                        slq_spectrum_entropy, spectrum_entropy, squared_distances)
from ..spectral.lapack import per_core
from ..spectral.operator import packed_entries
from .sampling import subsample

OPERATORS = ("diffusion", "gaussian", "knn")
ADJACENCY_KINDS = {"gaussian": "gaussian", "anisotropic": "diffusion", "knn": "knn"}


def graph_eigenvalue_magnitudes(A: np.ndarray, be: Backend) -> np.ndarray:
    """|eigenvalues| (ascending) of a square graph matrix A, one strongly
    connected component at a time. Permuted into its components' topological
    order A is block triangular, so its eigenvalues are those of its diagonal
    blocks: the values of one dense solve (to round-off), at a fraction of the
    cost of the non-symmetric one — k-NN graphs of random subsets of separated
    clusters split into one block per cluster, and in high dimension the many
    points that are no other point's neighbour are blocks of one (eigenvalue
    A_ii). Symmetric blocks take the symmetric solver."""
    from scipy.sparse.csgraph import connected_components

    _, comp = connected_components(A, directed=True, connection="strong")
    order = np.argsort(comp, kind="stable")
    starts = np.flatnonzero(np.diff(comp[order], prepend=-1))
    lam = [np.abs(np.diagonal(A))[order[starts[np.diff(starts, append=len(A)) == 1]]]]
    for idx in np.split(order, starts[1:]):
        if len(idx) > 1:
            block = A[np.ix_(idx, idx)]
            lam.append(np.abs(be.eigvalsh(be.asarray(block)) if np.array_equal(block, block.T)
                              else be.eigvals_general(be.asarray(block))))
    return np.sort(np.concatenate(lam))


class SpectralSetup:
    """Z and its bandwidth, resolved once on all of Z; entropies of any subsets
    of Z are then taken from them (DSMI uses one setup for every class and
    repetition). The N x N distances are built only where they are needed (a
    bandwidth rule, or the exact entropy of all of Z); subsets get theirs from
    their own points — one subset per core on a CPU, stacked on a GPU — so
    DSMI never holds more than one N x N's worth."""

    def __init__(self, Z, sigma=10.0, *, operator="diffusion", knn_k=10, backend="torch",
                 dtype=None, device="cpu", solver: Solver | None = None):
        check_choice(operator, "operator", OPERATORS)
        self.be = Backend(backend, follow_dtype(Z, dtype, backend), device)
        self.solver = solver or Solver()
        self.operator, self.knn_k, self.n = operator, knn_k, Z.shape[0]
        if operator == "knn":
            check_positive(knn_k, "knn", integer=True)
        self.Z = self.be.asarray(Z)
        rule = operator != "knn" and isinstance(sigma, str) and sigma != "sqrt_dim"
        self.sqd = squared_distances(self.Z, self.be) if rule else None
        self.bw = None if operator == "knn" else bandwidth(self.sqd, sigma, self.be, Z.shape[1], knn_k)

    def full_distances(self):
        """[1, N, N] squared distances of all of Z, handed over (the setup
        drops its own reference, so the caller may modify them in place)."""
        sqd, self.sqd = self.sqd, None
        return (sqd if sqd is not None else squared_distances(self.Z, self.be))[None]

    def _operator_(self, S, bw):
        """(operator, its known unit top eigenvectors or None) on a stack of
        squared-distance blocks, in place."""
        if self.operator == "knn":
            thr = self.be.kth_smallest(S, min(self.knn_k, S.shape[-1]))
            return self.be.cast(S <= thr[..., None]), None
        gaussian_(S, bw)
        return normalize_symmetric_(S) if self.operator == "diffusion" else (S, None)

    def _eigenvalues(self, a) -> np.ndarray:
        """Eigenvalues of one operator matrix (magnitudes for k-NN graphs,
        which are not symmetric in general), destroying it."""
        if self.operator == "knn":
            return graph_eigenvalue_magnitudes(self.be.to_numpy(a), self.be)
        return self.be.eigvalsh(a)

    def _spectral_entropies(self, A, top, t):
        """(entropies, standard errors) of each matrix of the stack A, or of
        the one operator object in a list (``top``: their known top
        eigenvectors, eigenvalue 1, or None)."""
        if self.operator != "knn" and self.solver.use_slq(A[0].shape[-1]):
            est = [slq_spectrum_entropy(self.be.as_torch(a), t, n_probes=self.solver.probes,
                                        n_steps=self.solver.steps, n_deflate=self.solver.deflate,
                                        n_deflate_steps=self.solver.deflate_steps, seed=self.solver.seed,
                                        deflate=None if top is None else self.be.as_torch(top[i]))
                   for i, a in enumerate(A)]
            # an estimate is noisy; the entropy of n eigenvalues lies in [0, log2 n]
            return np.clip([e.value for e in est], 0, np.log2(A[0].shape[-1])), np.array([e.stderr for e in est])
        if self.operator == "knn" or len(A) == 1:
            lam = np.stack([self._eigenvalues(a) for a in A])
        else:
            lam = self.be.eigvalsh(A)  # a batched call on the GPU
        h = spectrum_entropy(lam, t)
        return h, np.zeros_like(h)

    def _slq_operator(self):
        """The operator for DSE of all of Z by SLQ with a scalar bandwidth —
        the packed one (half the N x N matrix) where it fits, else the
        matrix-free one — or None where the dense matrix is built instead
        (exact spectra, k-NN graphs, per-point bandwidths)."""
        if not (self.operator == "diffusion" and self.solver.use_slq(self.n) and isinstance(self.bw, float)):
            return None
        if self.be.fits((packed_entries(self.n, self.be),)):
            return PackedDiffusionOperator(self.Z, self.bw, self.be)
        return DiffusionOperator(self.Z, self.bw, self.be)

    def _per_core(self, idx, matrix_entry) -> bool:
        """Whether the subset ``idx`` is built and solved on one CPU core (see
        :func:`repscope.spectral.lapack.per_core`) rather than in a stack: its
        exact spectrum on the CPU."""
        return (idx is not None and not matrix_entry and self.be.device == "cpu"
                and (self.operator == "knn" or not self.solver.use_slq(len(idx))))

    def _subset_operator(self, idx):
        """The operator (and its top eigenvector or None) of the points ``idx``
        ([n] indices, or [B, n] for a stack), from their own distances."""
        idx = self.be.index(idx)
        bw = self.bw[idx] if hasattr(self.bw, "shape") else self.bw
        return self._operator_(squared_distances(self.Z[idx], self.be), bw)

    def _spectrum(self, idx) -> np.ndarray:
        """Eigenvalues of the operator of the points ``idx``, built and solved here."""
        return self._eigenvalues(self._subset_operator(idx)[0])

    def _blocks(self, items, dense=False):
        """(positions, operators, their known top eigenvectors or None) for the
        (position, subset) ``items``, grouped by subset size: stacks in chunks
        of at most N x N entries; the whole set (None) first, so its distance
        matrix is freed early — or, unless ``dense``, as a one-element list
        holding the operator SLQ multiplies by (see :meth:`_slq_operator`)."""
        by_size = defaultdict(list)
        for i, idx in items:
            by_size[None if idx is None else len(idx)].append((i, idx))
        for size in sorted(by_size, key=lambda s: s is not None):
            group = by_size[size]
            if size is None:
                pos = [i for i, _ in group]
                op = None if dense else self._slq_operator()
                if op is not None:
                    yield pos, [op], [op.top]
                else:
                    bw = self.bw[None] if hasattr(self.bw, "shape") else self.bw
                    yield pos, *self._operator_(self.full_distances(), bw)
                continue
            per_chunk = max(1, (self.n * self.n) // (size * size))
            for start in range(0, len(group), per_chunk):
                chunk = group[start:start + per_chunk]
                idx = np.stack([np.asarray(idx) for _, idx in chunk])
                yield [i for i, _ in chunk], *self._subset_operator(idx)

    def entropies(self, subsets, t=1, matrix_entry=False):
        """(entropies, standard errors) of each subset of points (index arrays;
        None = all points). Shapes [S] for a scalar t, [S, len(t)] for a
        sequence; the standard error is 0 where the spectrum is exact."""
        values, errors = [None] * len(subsets), [None] * len(subsets)
        own = [i for i, idx in enumerate(subsets) if self._per_core(idx, matrix_entry)]
        rest = sorted(set(range(len(subsets))) - set(own))
        for pos, A, top in self._blocks([(i, subsets[i]) for i in rest], dense=matrix_entry):
            if matrix_entry:
                P = abs(A / A.sum(-1, keepdims=True))
                P = self.be.to_numpy(P).reshape(len(pos), -1).astype(np.float64)
                h = entropy_bits(P / P.sum(-1, keepdims=True))
                h = np.repeat(h[:, None], len(np.atleast_1d(t)), 1) if np.ndim(t) else h
                e = np.zeros_like(h)
            else:
                h, e = self._spectral_entropies(A, top, t)
            for j, i in enumerate(pos):
                values[i], errors[i] = h[j], e[j]
        spectra = per_core(self._spectrum, [subsets[i] for i in own], mkl=self.be.name == "torch")
        for i, lam in zip(own, spectra):
            values[i] = spectrum_entropy(lam[None], t)[0]
            errors[i] = np.zeros_like(values[i])
        return np.array(values), np.array(errors)


def _points(Z, max_n, seed, sampling):
    Z = check_points(Z)
    idx = subsample(Z.shape[0], max_n, seed, sampling)
    return Z if idx is None else Z[idx]


def diffusion_spectrum(Z, sigma=10.0, *, knn_k=10, max_n=10000, seed=0, sampling="generator",
                       backend="torch", dtype=None, device="cpu") -> np.ndarray:
    """Eigenvalues (ascending, float64) of the diffusion operator of Z.

    Compute it once and pass it to :func:`repscope.spectral.spectrum_entropy`
    for as many ``t`` as needed. Arguments as in :func:`diffusion_spectral_entropy`."""
    Z = check_spectral(Z, sigma=sigma, knn_k=knn_k, max_n=max_n, seed=seed, sampling=sampling, backend=backend,
                       dtype=dtype, device=device)
    Z = _points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, knn_k=knn_k, backend=backend, dtype=dtype, device=device)
    K, _ = setup._operator_(setup.full_distances()[0], setup.bw)
    return setup.be.eigvalsh(K)


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
    Z = _points(Z, max_n, seed, sampling)
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
    Z = _points(Z, max_n, seed, sampling)
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
    Z = _points(Z, max_n, seed, sampling)
    setup = SpectralSetup(Z, sigma, operator=ADJACENCY_KINDS[kind], knn_k=knn, backend=backend,
                          dtype=dtype, device=device)
    return float(setup.entropies([None])[0][0])
