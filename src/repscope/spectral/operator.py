"""The diffusion operator without its N x N matrix, for SLQ where the matrix
does not fit: K = D^-1/2 G D^-1/2 is applied block of rows by block of rows,
each block of G recomputed from the points (one GEMM and one exp per block).
Every product costs a full kernel evaluation, N^2 D flops, so this pays on a
GPU or when the alternative is not running at all."""
from __future__ import annotations

from .backend import Backend
from .kernel import centred, cross_squared_distances, gaussian_

BLOCK_BYTES = 2 ** 28  # one block of rows of G: 256 MiB


class DiffusionOperator:
    """Matrix-free symmetric diffusion operator of the points Z [N, D] with a
    scalar bandwidth ``bw``: ``K @ V`` for V [N, p], ``shape``, ``dtype``,
    ``device`` and ``top`` (the unit eigenvector of eigenvalue 1), which is what
    :func:`repscope.spectral.slq_spectrum_entropy` needs."""

    def __init__(self, Z, bw: float, be: Backend):
        import torch

        Z = be.as_torch(be.asarray(Z))
        self.Z, self.sq = centred(Z)
        self.bw = bw
        self.be = be if be.name == "torch" else Backend("torch", be.dtype, be.device)
        n = Z.shape[0]
        self.shape, self.dtype, self.device = (n, n), Z.dtype, Z.device
        self.rows = min(n, max(1, BLOCK_BYTES // be.nbytes((n,))))
        self.block = self.be.zeros((self.rows, n))  # reused by every block of every product
        ones = torch.ones((n, 1), dtype=Z.dtype, device=Z.device)
        degree = self._apply(ones, None)[:, 0]
        self.r = degree.rsqrt()
        self.top = degree.sqrt() / degree.sum().sqrt()

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
