"""Mean-field theoretic manifold analysis (MFTMA): capacity, radius, dimension and
centre correlation of class manifolds (Chung, Lee & Sompolinsky, PRX 2018;
Cohen et al. 2020; Stephenson et al. 2019), following the published algorithm.

For P classes, each a point cloud of M_c samples in N features:

1. Centre everything on the global mean. Find K directions of the centred class
   centres whose removal minimises the residual centre correlations (a
   Riemannian gradient descent on the Stiefel manifold, ``n_reps`` restarts per
   K, the most "stable" restart kept, K from 1 up to the reference's bound) and
   project them out of every sample. The mean |correlation| of the centres
   before this removal is the reported ``correlation``.
2. Normalise each manifold by the norm of its centre and write its points in
   D + 1 coordinates (D manifold axes plus the centre axis, whose value is 1).
3. For ``n_t`` Gaussian vectors t solve min ||v - t||^2 subject to
   v . s + kappa <= 0 for every point s; t already interior (max_s t . s +
   kappa < 0) needs no solve. The anchor point is the normalised multiplier
   combination of points. Capacity alpha_M = 1 / mean (t . s + kappa)_+^2 / ||s||^2,
   radius = rms spread of the anchors, dimension = D * (mean cos(t, s))^2.
4. Capacity over manifolds is the harmonic mean, radius and dimension the means.

Differences from the reference code (neural_manifolds_replicaMFT), on purpose:

* Each quadratic program is solved through its dual, a non-negative least-squares
  problem min_{a >= 0} ||S a - (t + kappa e)||^2 (the last row of S is all ones),
  with scipy's compiled active-set NNLS: exact like cvxopt, ~25x faster.
  ``qp_solver="cvxopt"`` solves the primal QP as the reference does. Manifolds
  run in parallel with ``n_jobs``.
* The K search stops at rank - 1 directions, so at least one residual direction
  is left; the reference searches up to 10 past the 95 % variance rank and divides
  by zero (or fails) with 6 or fewer classes. With 2 classes nothing is removed.
* Orthonormal bases come from SVDs with fixed signs, so results are invariant to
  rotations of the features (the reference's QR bases are not sign-canonical).
* ``subspace="samples"`` (default, as the reference) writes a manifold in
  min(M_c, N) coordinates; ``"rank"`` uses its numerical rank, which removes the
  spurious axis that the centring leaves when M_c <= N and biases the dimension.

Randomness (restarts, t vectors, the projection above ``max_features``) comes
from one ``seed``."""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_labels, check_points, check_positive, check_seed, to_numpy

QP_SOLVERS = ("nnls", "cvxopt")
SUBSPACES = ("samples", "rank")


@dataclass(frozen=True)
class ManifoldGeometry:
    """Capacity (harmonic mean over manifolds), radius and dimension (means),
    centre correlation (mean |corr| of the centred class centres), the number
    of centre directions removed, and the per-manifold values."""
    capacity: float
    radius: float
    dimension: float
    correlation: float
    n_removed: int
    capacities: np.ndarray
    radii: np.ndarray
    dimensions: np.ndarray


# ---- one manifold -----------------------------------------------------------------
def _anchor_nnls(S, t, kappa):
    from scipy.optimize import nnls

    a, _ = nnls(S, t + kappa * (np.arange(len(t)) == len(t) - 1))
    return S @ a, a.sum()


def _anchor_cvxopt(S, t, kappa):
    from cvxopt import matrix, solvers

    opts = {"show_progress": False, "abstol": 1e-12, "reltol": 1e-12, "feastol": 1e-12,
            "maxiters": 1000}
    D1, m = S.shape
    out = solvers.qp(matrix(np.eye(D1)), matrix(-t), matrix(np.ascontiguousarray(S.T)),
                     matrix(-kappa * np.ones(m)), options=opts)
    v = np.array(out["x"]).reshape(-1)
    return t - v, float(np.sum(out["z"]))


def anchor_points(S, t, kappa: float = 0.0, qp_solver: str = "nnls") -> np.ndarray:
    """Anchor points [D+1, n_t] of the manifold with points S [D+1, m] (last row 1)
    for the Gaussian vectors t [D+1, n_t]."""
    check_choice(qp_solver, "qp_solver", QP_SOLVERS)
    solve = _anchor_nnls if qp_solver == "nnls" else _anchor_cvxopt
    S, t = np.asarray(S, np.float64), np.asarray(t, np.float64)
    best = np.argmax(t[:-1].T @ S[:-1], axis=1)  # the point of largest projection
    anchors = S[:, best].copy()
    gap = (t * anchors).sum(0) + kappa
    for i in np.flatnonzero(gap >= 0):  # interior t (gap < 0) need no solve
        w, total = solve(S, t[:, i], kappa)
        if np.linalg.norm(w) >= 1e-8:  # else v = t: interior after all
            anchors[:, i] = w / total
    return anchors


def anchor_geometry(S, t, kappa: float = 0.0, qp_solver: str = "nnls"):
    """(capacity, radius, dimension) of one manifold: points S [D+1, m] in
    manifold coordinates plus a last row of ones (centre axis), Gaussian
    vectors t [D+1, n_t] (PRX 2018 eqs. 16-17, 28-29)."""
    S, t = np.asarray(S, np.float64), np.asarray(t, np.float64)
    if S.ndim != 2 or t.ndim != 2 or S.shape[0] != t.shape[0] or not np.allclose(S[-1], 1):
        raise ValueError(f"S must be [D+1, m] with a last row of ones and t [D+1, n_t]; got "
                         f"S {S.shape}, t {t.shape}")
    s = anchor_points(S, t, kappa, qp_solver)
    F = np.maximum((t * s).sum(0) + kappa, 0) ** 2 / (s * s).sum(0)
    capacity = 1 / F.mean() if F.mean() > 0 else np.inf
    sD, tD = s[:-1], t[:-1]
    radius = float(np.sqrt(((sD - sD.mean(1, keepdims=True)) ** 2).sum(0).mean()))
    D = len(sD)
    if D == 0:
        return capacity, radius, 0.0
    cos = (tD * sD).sum(0) / np.linalg.norm(tD, axis=0) / np.sqrt((sD * sD).sum(0) + 1e-12)
    return capacity, radius, float(D * cos.mean() ** 2)


# ---- bases, projection, centre subspace ---------------------------------------------
def _svd_coordinates(A, rank: str):
    """A [m, n] = U s W^T: rows of A in the coordinates U s (signs fixed so that the
    largest |entry| of each column of U is positive), keeping min(m, n) axes
    (``rank='samples'``) or the numerical rank (``'rank'``: singular values above
    1e-8 of the largest, well above the rounding left by centring). Also returns W."""
    U, s, Wt = np.linalg.svd(A, full_matrices=False)
    if rank == "rank":
        keep = s > 1e-8 * (s[0] if len(s) else 0)
        U, s, Wt = U[:, keep], s[keep], Wt[keep]
    sign = np.sign(U[np.abs(U).argmax(0), np.arange(U.shape[1])])
    sign[sign == 0] = 1
    return U * s * sign, Wt.T * sign


def random_projection(X, n_features: int, seed=0, chunk: int = 2048) -> np.ndarray:
    """X [n, N] @ M^T with M [n_features, N] Gaussian, rows normalised to unit
    length (as the MFTMA examples do), generated in column chunks to bound memory."""
    rng = np.random.default_rng(seed)
    X = np.asarray(X, np.float64)
    out = np.zeros((X.shape[0], n_features))
    norms = np.zeros(n_features)
    for j in range(0, X.shape[1], chunk):
        Mt = rng.standard_normal((min(chunk, X.shape[1] - j), n_features))  # M^T rows: chunk-free
        out += X[:, j:j + len(Mt)] @ Mt
        norms += (Mt * Mt).sum(0)
    return out / np.sqrt(norms)


def _mean_abs_correlation(X) -> float:
    P = len(X)
    n = np.linalg.norm(X, axis=1)
    C = (X @ X.T) / np.outer(n, n)
    return float((np.abs(C).sum() - P) / (P * (P - 1)))


def _correlation_cost(X, V, grad: bool = True):
    """Half the summed squared correlations of the rows of X [P, r] after removing
    span(V) for each restart V [R, r, K] (inf where a row vanishes), and its
    Euclidean gradient with respect to V."""
    c = X @ V                                              # [R, P, K]
    E = X @ X.T - c @ c.transpose(0, 2, 1)                 # residual inner products
    a = np.diagonal(E, axis1=1, axis2=2)                   # residual squared norms [R, P]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1 / a
        W = E * inv[:, :, None] * inv[:, None, :]
        F = W * E
        rows = F.sum(2)
        cost = np.where((a > 0).all(1), rows.sum(1) / 2, np.inf)
        if not grad:
            return cost
        gc = 2 * (rows * inv)[:, :, None] * c - 2 * W @ c
    return cost, X.T @ gc


def _qr_retract(V):
    Q, R = np.linalg.qr(V)
    sign = np.sign(np.diagonal(R, axis1=1, axis2=2))
    return Q * np.where(sign == 0, 1.0, sign)[:, None, :]


def _stiefel_descent(X, V, max_iter=200, gtol=1e-6, ftol=1e-10):
    """Minimise :func:`_correlation_cost` over V [R, r, K] on the Stiefel manifold
    for R restarts at once: Riemannian gradient descent with Barzilai-Borwein
    initial steps, Armijo backtracking and a QR retraction (Wen & Yin 2013).
    A restart stops when its Riemannian gradient norm is below ``gtol`` or an
    iteration lowers its cost by less than ``ftol`` (relative)."""
    V = V.copy()
    step = prev = None
    active = np.ones(len(V), bool)
    f, G = _correlation_cost(X, V)
    for _ in range(max_iter):
        VtG = V.transpose(0, 2, 1) @ G
        xi = G - V @ (VtG + VtG.transpose(0, 2, 1)) / 2    # Riemannian gradient
        gnorm2 = (xi * xi).sum((1, 2))
        active &= np.sqrt(gnorm2) > gtol
        if not active.any():
            break
        if prev is None:  # first move: length 0.1 on the manifold
            step = 0.1 / np.sqrt(np.maximum(gnorm2, 1e-300))
        else:  # Barzilai-Borwein step from the last move
            dV, dxi = V - prev[0], xi - prev[1]
            num, den = (dV * dxi).sum((1, 2)), (dxi * dxi).sum((1, 2))
            good = (num > 0) & (den > 0)
            step = np.where(good, np.abs(num) / np.where(good, den, 1), step)
        prev = (V.copy(), xi)
        trial, pending = step.copy(), active.copy()
        for _ in range(60):  # Armijo backtracking on the restarts still pending
            idx = np.flatnonzero(pending)
            Vn = _qr_retract(V[idx] - trial[idx, None, None] * xi[idx])
            ok = _correlation_cost(X, Vn, grad=False) <= f[idx] - 1e-4 * trial[idx] * gnorm2[idx]
            V[idx[ok]] = Vn[ok]
            pending[idx[ok]] = False
            if not pending.any():
                break
            trial[pending] /= 2
        active &= ~pending  # no descent possible: converged to precision
        step = trial
        f_old = f
        f, G = _correlation_cost(X, V)
        active &= f_old - f > ftol * np.abs(f_old)
    return V


def centre_subspace(centres, n_reps: int = 10, rng=None, max_iter: int = 200):
    """Directions [N, K] of the class centres [P, N] whose removal minimises the
    mean |correlation| of the residual centres (K chosen by that criterion),
    and the mean |correlation| before removal."""
    rng = np.random.default_rng(rng)
    P = len(centres)
    Xb = centres - centres.mean(0)
    X, W = _svd_coordinates(Xb, "rank")  # X [P, r]: centres in an orthonormal basis W [N, r]
    r = X.shape[1]
    corr0 = _mean_abs_correlation(X) if r else 0.0
    sv = np.linalg.svd(Xb, compute_uv=False)
    share = np.cumsum(sv**2) / max((sv**2).sum(), np.finfo(float).tiny)
    below = np.flatnonzero(share < 0.95)
    max_k = min((below[-1] if len(below) else 0) + 11, r - 1)  # reference bound, capped
    xnorm = np.linalg.norm(X, axis=1)
    best_V, costs, solutions = np.zeros((r, 0)), [], []
    for k in range(1, max_k + 1):
        s = rng.standard_normal((n_reps, P))
        V0 = np.concatenate([(s @ X)[:, :, None], np.repeat(best_V[None], n_reps, 0)], axis=2)
        V0 = np.linalg.qr(V0)[0]
        V = _stiefel_descent(X, V0, max_iter=max_iter)
        resid = X[None] - (X[None] @ V) @ V.transpose(0, 2, 1)
        stability = (np.linalg.norm(resid, axis=2) / xnorm).min(1)
        best_V = V[int(np.argmax(stability))]
        residual = X - X @ best_V @ best_V.T
        costs.append(_mean_abs_correlation(residual))
        solutions.append(best_V)
        if k > 4 and costs[-1] > costs[-2] > costs[-3] > costs[-4]:
            break  # no reduction for three consecutive K
    if not costs:
        return np.zeros((centres.shape[1], 0)), corr0
    return W @ solutions[int(np.argmin(costs))], corr0


# ---- the analysis -------------------------------------------------------------------
def _class_arrays(Z, labels):
    Z = np.asarray(to_numpy(check_points(Z)), dtype=np.float64)
    y = check_labels(labels, len(Z))
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"labels must hold at least 2 classes (manifolds); got {classes.tolist()}")
    return Z, [np.flatnonzero(y == c) for c in classes]


def manifold_geometry(Z, labels, *, kappa: float = 0.0, n_t: int = 200, n_reps: int = 10,
                      max_features: int | None = 5000, subspace: str = "samples",
                      qp_solver: str = "nnls", seed=0, n_jobs: int = 1,
                      max_iter: int = 200) -> ManifoldGeometry:
    """MFTMA of the class manifolds of Z [n, N] with labels [n] (see the module
    docstring). ``kappa`` margin, ``n_t`` Gaussian vectors per manifold,
    ``n_reps`` restarts per K of the centre-subspace search, features randomly
    projected to ``max_features`` when wider (None: never), ``n_jobs`` parallel
    manifolds (joblib)."""
    if isinstance(kappa, bool) or not isinstance(kappa, numbers.Real) or not np.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number; got {kappa!r}")
    check_positive(n_t, "n_t", integer=True)
    check_positive(n_reps, "n_reps", integer=True)
    check_choice(subspace, "subspace", SUBSPACES)
    check_choice(qp_solver, "qp_solver", QP_SOLVERS)
    if max_features is not None:
        check_positive(max_features, "max_features", integer=True)
    check_positive(n_jobs, "n_jobs", integer=True)
    check_positive(max_iter, "max_iter", integer=True)
    check_seed(seed)
    Z, groups = _class_arrays(Z, labels)
    rng = np.random.default_rng(seed)
    if max_features is not None and Z.shape[1] > max_features:
        Z = random_projection(Z, max_features, seed=rng.integers(2**32))
    Z = Z - Z.mean(0)
    centres = np.stack([Z[g].mean(0) for g in groups])
    V, correlation = centre_subspace(centres, n_reps=n_reps, rng=rng, max_iter=max_iter)
    problems = []
    for c, g in enumerate(groups):
        Xr = Z[g] - (Z[g] @ V) @ V.T
        centre = Xr.mean(0)
        norm = np.linalg.norm(centre)
        if norm <= 1e-12 * max(np.abs(Z).max(), 1.0):
            raise ValueError(f"class {c}'s centre vanishes after removing the {V.shape[1]} "
                             "correlated centre direction(s); classes must have distinct centres")
        coords, _ = _svd_coordinates((Xr - centre) / norm, subspace)
        S = np.vstack([coords.T, np.ones(len(g))])
        problems.append((S, rng.standard_normal((len(S), n_t))))
    if n_jobs == 1:
        results = [anchor_geometry(S, t, kappa, qp_solver) for S, t in problems]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs)(delayed(anchor_geometry)(S, t, kappa, qp_solver)
                                          for S, t in problems)
    a, r, d = (np.array(v) for v in zip(*results))
    return ManifoldGeometry(capacity=float(1 / np.mean(1 / a)), radius=float(r.mean()),
                            dimension=float(d.mean()), correlation=correlation,
                            n_removed=V.shape[1], capacities=a, radii=r, dimensions=d)
