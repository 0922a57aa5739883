"""Neural collapse NC1 (within-class variability collapse), streamed over batches.

NC1 = tr(Sigma_W Sigma_B^+) / C (Papyan, Han & Donoho 2020), with

* Sigma_W = 1/N sum_i (h_i - mu_{y_i})(h_i - mu_{y_i})^T, the within-class covariance;
* Sigma_B = 1/C sum_c (mu_c - mu_G)(mu_c - mu_G)^T = M M^T / C, M = [mu_c - mu_G]_c (d x C);
* C the number of classes.

No d x d matrix is ever formed, so it works for conv activations with d ~ 1e5:
pass 1 accumulates class sums and counts; the thin SVD M = U S V^T (d x C) gives
Sigma_B^+ = C U S^-2 U^T after dropping singular values below a pinv-style
cutoff; pass 2 accumulates q_k = sum_i (u_k . (h_i - mu_{y_i}))^2, and
NC1 = sum_k q_k / (N s_k^2).

Choices, documented because published numbers differ by them:

* ``global_mean="samples"`` (default): mu_G is the mean of all samples (= the
  count-weighted mean of class means), Papyan et al.'s definition and what seed
  002 computes; with balanced classes both choices coincide.
  ``global_mean="classes"``: mu_G is the unweighted mean of the class means, so
  that Sigma_B is exactly the covariance of the C class means that the 1/C in
  its definition implies — the better choice for imbalanced classes.
* ``divide_by_classes=True`` (default) divides by C as in the definition above.
  Widely copied code (and the thesis) reports tr(Sigma_W Sigma_B^+) without the
  1/C; pass ``False`` to compare with those numbers (the value is then C times
  larger).
* The cutoff keeps singular values s_k > rtol * s_max, rtol = max(d, C) * eps by
  default (numpy's matrix_rank convention). M always has rank <= C - 1 (its
  columns sum to zero with weights n_c or 1), so one direction is always
  numerical noise and must be dropped.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .._validate import _is_torch, check_choice, check_labels, check_positive, check_same_length, integer_labels, to_numpy

GLOBAL_MEANS = ("samples", "classes")


class NC1Accumulator:
    """Two-pass streaming NC1 for one layer.

    Feed every batch to :meth:`add_class_sums` (pass 1), then every batch again
    to :meth:`add_deviations` (pass 2; the first call closes pass 1), then read
    :meth:`value`. Batches are [B, ...] activations (flattened to [B, d]) with
    integer labels in 0..n_classes-1, numpy or torch; work runs in float64 on
    ``device``."""

    def __init__(self, n_classes: int, *, global_mean: str = "samples", rtol: float | None = None,
                 divide_by_classes: bool = True, device: str = "cpu"):
        check_positive(n_classes, "n_classes", integer=True)
        if n_classes < 2:
            raise ValueError(f"n_classes must be at least 2 (NC1 compares classes); got {n_classes}")
        check_choice(global_mean, "global_mean", GLOBAL_MEANS)
        if rtol is not None and not (np.isfinite(rtol) and rtol >= 0):
            raise ValueError(f"rtol must be a finite number >= 0 or None; got {rtol!r}")
        import torch

        self.torch = torch
        self.n_classes = n_classes
        self.global_mean = global_mean
        self.rtol = rtol
        self.divide_by_classes = divide_by_classes
        self.device = device
        self.sums = None
        self.counts = torch.zeros(n_classes, dtype=torch.float64, device=device)
        self.means = self.U = self.s = self.q = None

    def _batch(self, Z, labels):
        torch = self.torch
        Z = Z if _is_torch(Z) else torch.as_tensor(np.asarray(Z))
        if Z.ndim < 2 or Z.shape[0] == 0:
            raise ValueError(f"Z must be a batch [B, ...] with B >= 1; got shape {tuple(Z.shape)}")
        Z = Z.detach().to(device=self.device, dtype=torch.float64).reshape(Z.shape[0], -1)
        if not bool(torch.isfinite(Z).all()):
            raise ValueError("Z contains NaN or Inf; all entries must be finite")
        y = np.asarray(to_numpy(labels)).reshape(-1)
        check_same_length(Z.shape[0], y, "labels")
        y = integer_labels(y) if integer_labels(y) is not None else y
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"labels must be integers in 0..{self.n_classes - 1} (n_classes="
                             f"{self.n_classes}); got dtype {y.dtype}, range "
                             f"[{y.min()}, {y.max()}]")
        if self.sums is not None and Z.shape[1] != self.sums.shape[1]:
            raise ValueError(f"Z must keep the same feature dimension d={self.sums.shape[1]} in "
                             f"every batch; got d={Z.shape[1]}")
        return Z, torch.as_tensor(y, dtype=torch.long, device=self.device)

    def add_class_sums(self, Z, labels) -> None:
        """Pass 1: accumulate per-class sums and counts."""
        if self.means is not None:
            raise ValueError("add_class_sums called after pass 2 started; make a new accumulator")
        Z, y = self._batch(Z, labels)
        if self.sums is None:
            self.sums = self.torch.zeros(self.n_classes, Z.shape[1], dtype=Z.dtype, device=self.device)
        self.sums.index_add_(0, y, Z)
        self.counts += self.torch.bincount(y, minlength=self.n_classes).to(self.counts.dtype)

    def _close_first_pass(self) -> None:
        torch = self.torch
        if self.sums is None:
            raise ValueError("add_deviations called before any add_class_sums (pass 1 is empty)")
        empty = (self.counts == 0).nonzero().flatten().tolist()
        if empty:
            raise ValueError(f"labels must cover every class 0..{self.n_classes - 1}; classes "
                             f"{empty} have no samples")
        self.means = self.sums / self.counts[:, None]
        if self.global_mean == "samples":
            mu_g = self.sums.sum(0) / self.counts.sum()
        else:
            mu_g = self.means.mean(0)
        M = (self.means - mu_g).T  # d x C
        U, s, _ = torch.linalg.svd(M, full_matrices=False)
        rtol = self.rtol if self.rtol is not None else max(M.shape) * np.finfo(np.float64).eps
        keep = s > rtol * s.max() if float(s.max()) > 0 else torch.zeros_like(s, dtype=torch.bool)
        self.U, self.s = U[:, keep], s[keep]
        self.q = torch.zeros(len(self.s), dtype=torch.float64, device=self.device)
        self.n_seen = 0

    def add_deviations(self, Z, labels) -> None:
        """Pass 2: accumulate squared projections of within-class deviations on U."""
        if self.means is None:
            self._close_first_pass()
        Z, y = self._batch(Z, labels)
        proj = (Z - self.means[y]) @ self.U
        self.q += (proj * proj).sum(0)
        self.n_seen += Z.shape[0]

    def value(self) -> float:
        """NC1 of everything fed in pass 2 (inf if the class means coincide)."""
        if self.q is None:
            raise ValueError("value() needs both passes: call add_class_sums, then add_deviations")
        n = float(self.counts.sum())
        if self.n_seen != n:
            raise ValueError(f"pass 2 saw {self.n_seen} samples but pass 1 saw {int(n)}; feed the "
                             "same batches to both passes")
        if len(self.s) == 0:
            return float("inf")
        nc1 = float((self.q / self.s / self.s).sum()) / n  # not s**2: it underflows for tiny activations
        return nc1 if self.divide_by_classes else nc1 * self.n_classes


def _fresh(batches) -> Iterable:
    if callable(batches):
        return batches()
    if isinstance(batches, Iterator):
        raise ValueError("batches must be re-iterable (a list, a DataLoader, or a callable that "
                         "returns a fresh iterable); got a one-shot iterator, but NC1 needs two passes")
    return batches


def nc1_streaming(batches, n_classes: int, **options) -> float:
    """NC1 over ``batches`` of (Z, labels), iterated twice. ``batches``: a
    re-iterable (list, DataLoader) or a callable returning a fresh iterable.
    ``options`` as for :class:`NC1Accumulator`."""
    acc = NC1Accumulator(n_classes, **options)
    for Z, y in _fresh(batches):
        acc.add_class_sums(Z, y)
    for Z, y in _fresh(batches):
        acc.add_deviations(Z, y)
    return acc.value()


def nc1(Z, labels, *, batch_size: int | None = None, global_mean: str = "samples",
        rtol: float | None = None, divide_by_classes: bool = True, device: str = "cpu") -> float:
    """NC1 of in-memory activations Z [N, ...] with labels [N] (any C >= 2
    distinct values, relabelled 0..C-1). ``batch_size`` streams the rows (the
    result does not depend on it). See the module docstring for the options."""
    n = Z.shape[0] if hasattr(Z, "shape") else len(Z)
    classes, y = np.unique(check_labels(labels, n), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"labels must hold at least 2 distinct classes; got {classes.tolist()}")
    step = n if batch_size is None else check_positive(batch_size, "batch_size", integer=True)
    chunks = [(Z[i:i + step], y[i:i + step]) for i in range(0, n, step)]
    return nc1_streaming(chunks, len(classes), global_mean=global_mean, rtol=rtol,
                         divide_by_classes=divide_by_classes, device=device)
