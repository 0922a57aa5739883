"""The diffusion operator K = D^-1/2 G D^-1/2 for SLQ, which only needs
products K @ V, in two forms that hold less than the N x N matrix:

- :class:`PackedDiffusionOperator` stores the blocks of K on and below its
  diagonal (K is symmetric): about half the memory, half the distance GEMM and
  half the memory traffic per product of the dense matrix.
- :class:`DiffusionOperator` stores nothing: each product recomputes G block
  of rows by block of rows from the points (one GEMM and one exp per block),
  N^2 D flops a product, so it pays on a GPU or where nothing else fits."""
from __future__ import annotations

import math

from .backend import Backend
from .kernel import centred, cross_squared_distances, gaussian_

BLOCK_BYTES = 2 ** 28  # one block of G: 256 MiB


class _Operator:
    """What SLQ needs of an operator on the points Z [N, D] with a scalar
    bandwidth: ``K @ V`` for V [N, p] and ``X @ K`` for X [p, N] (K is
    symmetric: one is the other transposed), ``shape``, ``dtype``, ``device``
    and ``top`` (the unit eigenvector of K's top eigenvalue 1). Subclasses
    define one of the two products."""

    def __init__(self, Z, bw: float, be: Backend):
        Z = be.as_torch(be.asarray(Z))
        self.Z, self.sq = centred(Z)
        self.bw = bw
        self.be = be if be.name == "torch" else Backend("torch", be.dtype, be.device)
        self.shape, self.dtype, self.device = (Z.shape[0], Z.shape[0]), Z.dtype, Z.device

    def _normalise(self, degree):
        """r = D^-1/2 and the top eigenvector sqrt(D 1) / ||sqrt(D 1)||."""
        self.r = degree.rsqrt()
        self.top = degree.sqrt() / degree.sum().sqrt()

    def __matmul__(self, V):
        return (V.T @ self).T

    def __rmatmul__(self, X):
        return (self @ X.T).T.contiguous()


def _parts(n: int, be: Backend) -> list[slice]:
    """Ranges of the square blocks of PackedDiffusionOperator (BLOCK_BYTES each)."""
    size = min(n, max(1, math.isqrt(BLOCK_BYTES // be.nbytes((1,)))))
    return [slice(a, min(n, a + size)) for a in range(0, n, size)]


def packed_entries(n: int, be: Backend) -> int:
    """Entries PackedDiffusionOperator stores for n points."""
    parts = _parts(n, be)
    return sum((r.stop - r.start) * (c.stop - c.start) for i, r in enumerate(parts) for c in parts[: i + 1])


class PackedDiffusionOperator(_Operator):
    """K stored as its blocks on and below the diagonal; a product reads each
    off-diagonal block twice (B @ V_j into rows i, B^T @ V_i into rows j)."""

    def __init__(self, Z, bw: float, be: Backend):
        import torch

        super().__init__(Z, bw, be)
        parts = _parts(self.shape[0], be)
        degree = torch.zeros(self.shape[0], dtype=self.dtype, device=self.device)
        self.blocks = []
        for i, rows in enumerate(parts):
            for cols in parts[: i + 1]:
                G = cross_squared_distances(self.Z[rows], self.sq[rows], self.Z[cols], self.sq[cols], self.be)
                if rows == cols:
                    self.be.fill_diagonal_(G, 0)
                gaussian_(G, self.bw)
                degree[rows] += G.sum(1)
                if rows != cols:
                    degree[cols] += G.sum(0)
                self.blocks.append((rows, cols, G))
        self._normalise(degree)
        for rows, cols, G in self.blocks:
            G *= self.r[rows, None]
            G *= self.r[None, cols]

    def __rmatmul__(self, X):
        """X @ K for X [p, N] (rows: the faster form of the product on a CPU)."""
        import torch

        out = torch.zeros_like(X)
        for rows, cols, K in self.blocks:
            out[:, rows] += X[:, cols] @ K.T
            if rows != cols:
                out[:, cols] += X[:, rows] @ K
        return out


class DiffusionOperator(_Operator):
    """Matrix-free K: every product recomputes G in blocks of rows."""

    def __init__(self, Z, bw: float, be: Backend):
        import torch

        super().__init__(Z, bw, be)
        n = self.shape[0]
        self.rows = min(n, max(1, BLOCK_BYTES // be.nbytes((n,))))
        self.block = self.be.zeros((self.rows, n))  # reused by every block of every product
        self._normalise(self._apply(torch.ones((n, 1), dtype=self.dtype, device=self.device), None)[:, 0])

    def _apply(self, V, r):
        """G @ V, or D^-1/2 G D^-1/2 @ V given r = D^-1/2."""
        import torch

        n = self.shape[0]
        W = V if r is None else r[:, None] * V
        out = torch.empty_like(W)
        for start in range(0, n, self.rows):
            stop = min(n, start + self.rows)
            d = cross_squared_distances(self.Z[start:stop], self.sq[start:stop], self.Z, self.sq, self.be,
                                        out=self.block[: stop - start])
            rows = torch.arange(stop - start, device=d.device)
            d[rows, rows + start] = 0
            out[start:stop] = gaussian_(d, self.bw) @ W
        return out if r is None else r[:, None] * out

    def __matmul__(self, V):
        return self._apply(V, self.r)
