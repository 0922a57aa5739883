"""Synthetic data whose entropy / mutual information structure is known, for the
toy studies (T1–T5 of docs/studies.md; docs/fidelity.md). Every generator takes ``seed`` (an int or a
``numpy.random.Generator``) and draws whole arrays at once."""
from __future__ import annotations

import numbers

import numpy as np

from .._validate import check_choice, check_positive

DISTRIBUTIONS = ("uniform", "gaussian")


def as_generator(seed) -> np.random.Generator:
    """A numpy Generator from an int seed; a Generator (or any object with the
    same drawing methods) is passed through, so callers can chain draws."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    if hasattr(seed, "random") and hasattr(seed, "normal"):
        return seed
    raise ValueError(f"seed must be an int or a numpy.random.Generator; got {seed!r}")


def _check_noise(noise):
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0; got {noise!r}")
    return float(noise)


def _draw(rng, distribution, size):
    return rng.uniform(-1, 1, size) if distribution == "uniform" else rng.normal(size=size)


def intrinsic_dimension_points(n, dim, intrinsic_dim, *, distribution="uniform", noise=0.01,
                               seed=0) -> np.ndarray:
    """[n, dim] points whose first ``intrinsic_dim`` coordinates are uniform on
    (-1, 1) (or standard normal) and whose other coordinates all equal one shared
    standard-normal constant (for both distributions, as the DSE authors drew
    it), plus ``noise`` * U(-1, 1) on every coordinate (T1)."""
    check_positive(n, "n", integer=True)
    check_positive(dim, "dim", integer=True)
    check_positive(intrinsic_dim, "intrinsic_dim", integer=True)
    if intrinsic_dim > dim:
        raise ValueError(f"intrinsic_dim must be <= dim={dim}; got {intrinsic_dim}")
    check_choice(distribution, "distribution", DISTRIBUTIONS)
    noise = _check_noise(noise)
    rng = as_generator(seed)
    X = np.empty((n, dim))
    X[:, :intrinsic_dim] = _draw(rng, distribution, (n, intrinsic_dim))
    X[:, intrinsic_dim:] = rng.normal()
    return X + noise * rng.uniform(-1, 1, (n, dim))


SPD_KINDS = ("make_spd", "wishart")


def random_spd_matrix(n, *, kind="make_spd", seed=0) -> np.ndarray:
    """A random symmetric positive definite [n, n] matrix (T1's W).

    ``kind='make_spd'``: scikit-learn's ``make_spd_matrix`` as the DSE authors
    called it (before scikit-learn 1.3 changed it): A uniform on [0, 1)^(n×n),
    U, _, V^T = svd(A^T A), W = U (1 + diag(u)) V^T with u uniform on [0, 1).
    The ``1 +`` adds 1 to every entry of the diagonal matrix, so W = U 1 1^T V^T
    + U diag(u) V^T has one dominant eigenvalue ~ n above n eigenvalues in
    (0, 1). Symmetrised, (W + W^T) / 2, as svd's U and V agree only up to
    rounding. ``kind='wishart'``: B B^T / n, B standard normal (trace ~ n, no
    dominant direction)."""
    check_positive(n, "n", integer=True)
    check_choice(kind, "kind", SPD_KINDS)
    rng = as_generator(seed)
    if kind == "wishart":
        B = rng.normal(size=(n, n))
        return B @ B.T / n
    A = rng.random((n, n))
    U, _, Vt = np.linalg.svd(A.T @ A)
    W = U @ (1.0 + np.diag(rng.random(n))) @ Vt
    return (W + W.T) / 2


def _check_alphas(alphas) -> np.ndarray:
    alphas = np.asarray(alphas, dtype=np.float64)
    if alphas.ndim != 1 or np.any((alphas < 0) | (alphas > 1)):
        raise ValueError(f"alphas must be a 1-D sequence of numbers in [0, 1]; got {alphas!r}")
    return alphas


def noisy_identity_spectra(W, alphas) -> np.ndarray:
    """Eigenvalues [len(alphas), n] of alpha I + (1 - alpha) W for each alpha
    (W symmetric [n, n]). One eigendecomposition serves every alpha: the
    eigenvalues are alpha + (1 - alpha) lambda(W), W's from the spectral
    backend's LAPACK (MKL on Intel: several times numpy's at n = 2048)."""
    from ..spectral import Backend

    alphas = _check_alphas(alphas)
    be = Backend("torch", "float64", "cpu")
    lam = be.eigvalsh(be.asarray(W).clone())  # it overwrites its input, which shares W's memory
    return alphas[:, None] + (1 - alphas[:, None]) * lam[None, :]


def noisy_identity_diffusion(W, alpha) -> np.ndarray:
    """The row-normalised matrix D^-1 M of M = alpha I + (1 - alpha) W, D =
    diag(row sums of M): the "diffusion matrix" whose entries the DSE authors'
    T1 script handed to their matrix-entry entropy (DMEE)."""
    (alpha,) = _check_alphas([alpha])
    M = (1 - alpha) * np.asarray(W, dtype=np.float64)
    M[np.diag_indices_from(M)] += alpha
    return M / M.sum(1, keepdims=True)


def gaussian_blobs(n, dim, centers=3, *, cluster_std=1.0, box=10.0, seed=0):
    """``centers`` isotropic Gaussian blobs (std ``cluster_std``) with centres
    uniform in [-box, box]^dim, n points split as evenly as possible.
    Returns (X [n, dim], y [n] int64 blob index)."""
    check_positive(n, "n", integer=True)
    check_positive(dim, "dim", integer=True)
    check_positive(centers, "centers", integer=True)
    check_positive(cluster_std, "cluster_std")
    check_positive(box, "box")
    rng = as_generator(seed)
    y = np.repeat(np.arange(centers), np.diff(np.linspace(0, n, centers + 1).astype(int)))
    mu = rng.uniform(-box, box, (centers, dim))
    return mu[y] + cluster_std * rng.normal(size=(n, dim)), y.astype(np.int64)


def random_walk_tree(n_branch, branch_length, dim, *, step=2.0, noise=0.0,
                     noise_distribution="uniform", seed=0):
    """A branching random-walk tree as PHATE generates it: each branch is the
    cumulative sum of ``branch_length`` steps uniform on (-step/2, step/2) per
    coordinate; every branch after the first starts at a random point of the
    first. Then ``noise`` * U(-1, 1) (or N(0, noise^2) for
    ``noise_distribution='gaussian'``) is added. Returns (X [n_branch *
    branch_length, dim], branch label [N] int64)."""
    check_positive(n_branch, "n_branch", integer=True)
    check_positive(branch_length, "branch_length", integer=True)
    check_positive(dim, "dim", integer=True)
    check_positive(step, "step")
    check_choice(noise_distribution, "noise_distribution", DISTRIBUTIONS)
    noise = _check_noise(noise)
    rng = as_generator(seed)

    def walk():
        return np.cumsum(-1 + step * rng.random((branch_length, dim)), 0)

    branches = [walk()]
    for _ in range(n_branch - 1):
        start = branches[0][rng.integers(branch_length)]
        branches.append(walk() + start)
    X = np.concatenate(branches)
    X = X + (noise * rng.uniform(-1, 1, X.shape) if noise_distribution == "uniform"
             else rng.normal(0, noise, X.shape))
    return X, np.repeat(np.arange(n_branch, dtype=np.int64), branch_length)


TREES = ("authors", "random_walk")


def smooth_branch_tree(dim, n_branch, n_points, *, step=0.1, turn=0.05, spread=0.1, noise=0.2,
                       seed=0):
    """The tree of the DSE authors' T2 script (``generate_tree`` of
    ``toy_data_MI.py``): a standard-normal root; ``n_branch`` branches, each
    starting at root + ``spread`` * N(0, I) and walking ``step`` along a
    direction (first uniform on (-1, 1)^dim, then after each step nudged by
    ``turn`` * N(0, I) and renormalised); every branch but the last has a
    random length in [n_points // (n_branch + 1), n_points // n_branch), the
    last takes the rest (n_points in all); then ``noise`` * N(0, I) on every
    point. Drawn in the script's order. Returns (X [n_points, dim], branch
    label [n_points] int64)."""
    check_positive(dim, "dim", integer=True)
    check_positive(n_branch, "n_branch", integer=True)
    check_positive(n_points, "n_points", integer=True)
    if n_points < 2 * n_branch + 1:
        raise ValueError(f"n_points must be >= 2 * n_branch + 1 = {2 * n_branch + 1}; got {n_points}")
    rng = as_generator(seed)
    root = rng.normal(size=dim)
    branches, used = [], 0
    for i in range(n_branch):
        start = root + spread * rng.normal(size=dim)
        if i < n_branch - 1:
            length = int(rng.integers(n_points // (n_branch + 1), n_points // n_branch))
            used += length + 1
        else:
            length = n_points - used - 1
        direction = rng.uniform(-1, 1, dim)
        nudges = turn * rng.normal(size=(length, dim))
        points = [start]
        for nudge in nudges:
            points.append(points[-1] + step * direction)
            direction = direction + nudge
            direction /= np.linalg.norm(direction)
        branches.append(np.stack(points))
    X = np.concatenate(branches)
    y = np.repeat(np.arange(n_branch, dtype=np.int64), [len(b) for b in branches])
    return X + noise * rng.normal(size=X.shape), y


def dla_tree(n_dim=100, n_branch=20, branch_length=100, *, rand_multiplier=2.0, sigma=4.0,
             seed=37):
    """PHATE's "diffusion-limited aggregation" tree (``phate.tree.gen_dla``, same
    parameters and defaults): a :func:`random_walk_tree` with Gaussian noise of
    std ``sigma``. Given a generator that draws like numpy's legacy
    ``RandomState(seed)`` it returns gen_dla's exact arrays."""
    return random_walk_tree(n_branch, branch_length, n_dim, step=rand_multiplier, noise=sigma,
                            noise_distribution="gaussian", seed=seed)


def corrupt_labels(labels, fraction, *, seed=0) -> np.ndarray:
    """A copy of ``labels`` in which a random ``fraction`` of the entries is
    shuffled among themselves (class sizes are kept; some shuffled entries
    may land on their own class)."""
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be a number in [0, 1]; got {fraction!r}")
    y = np.array(labels, copy=True)
    rng = as_generator(seed)
    idx = rng.choice(len(y), size=int(round(fraction * len(y))), replace=False)
    y[idx] = y[rng.permutation(idx)]
    return y


def corrupted_label_information(proportions, fraction) -> float:
    """I(B; Y') in bits when Y' is the class B with a ``fraction`` of labels shuffled
    among themselves (:func:`corrupt_labels`), B drawn with the class ``proportions``
    (e.g. the class sizes over N): a shuffled entry takes the label of a random shuffled
    entry, a draw from the proportions, so P(Y' = c | B = b) = (1 - f) [c = b] + f p_c and
    I = H(p) - sum_b p_b H((1 - f) e_b + f p). H(p) at 0, 0 at 1. Where the points
    determine their class (separated blobs) it is I(Z; Y'), the truth of T5's corruption sweep."""
    p = np.asarray(proportions, dtype=np.float64).reshape(-1)
    if not (p.size and np.all(p >= 0) and abs(p.sum() - 1) < 1e-9):
        raise ValueError(f"proportions must be non-negative and sum to 1; got {p.tolist()}")
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real) or not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be a number in [0, 1]; got {fraction!r}")

    def h(q):
        q = q[q > 0]
        return float(-(q * np.log2(q)).sum())

    rows = (1 - fraction) * np.eye(len(p)) + fraction * p[None, :]
    return max(0.0, h(p) - sum(pb * h(row) for pb, row in zip(p, rows)))
