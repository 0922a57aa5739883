"""The scheduling of spectral entropies: one setup per point set Z (its
bandwidth resolved once), from which the entropies, or the exact spectra, of
any subsets of Z are taken — each operator built once, each spectrum taken
once, a sequence of diffusion times ``t`` served from that one spectrum.
Every spectral measure of :mod:`repscope.metrics` (DSE, DSMI, the adjacency
and matrix-entry variants) goes through it."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .._validate import check_choice, check_positive
from .backend import Backend, follow_dtype
from .entropy import entropy_bits, spectrum_entropy
from .kernel import bandwidth, gaussian_, normalize_symmetric_, squared_distances
from .lapack import per_core
from .operator import DiffusionOperator, PackedDiffusionOperator, packed_entries
from .slq import slq_spectrum_entropy
from .solver import Solver

OPERATORS = ("diffusion", "gaussian", "knn")
ADJACENCY_KINDS = {"gaussian": "gaussian", "anisotropic": "diffusion", "knn": "knn"}  # kind -> operator


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

    def spectrum(self) -> np.ndarray:
        """Eigenvalues (ascending) of the operator of all of Z, exactly."""
        return self._eigenvalues(self._operator_(self.full_distances()[0], self.bw)[0])

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
        h = spectrum_entropy(self._exact(A), t)
        return h, np.zeros_like(h)

    def _exact(self, A) -> np.ndarray:
        """Eigenvalues [B, n] of each matrix of the stack A, destroying it."""
        if self.operator == "knn" or len(A) == 1:
            return np.stack([self._eigenvalues(a) for a in A])
        return self.be.eigvalsh(A)  # a batched call on the GPU

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

    def spectra(self, subsets) -> list[np.ndarray]:
        """Exact eigenvalues of the operator of each subset of points (index
        arrays; None = all points), whatever the solver: what
        :meth:`entropies` takes the exact entropies from, for any t, to keep."""
        out = [None] * len(subsets)
        own = [i for i, idx in enumerate(subsets) if self._per_core(idx, False)]
        rest = sorted(set(range(len(subsets))) - set(own))
        for pos, A, _ in self._blocks([(i, subsets[i]) for i in rest], dense=True):
            for j, lam in zip(pos, self._exact(A)):
                out[j] = lam
        for i, lam in zip(own, per_core(self._spectrum, [subsets[i] for i in own], mkl=self.be.name == "torch")):
            out[i] = lam
        return out
