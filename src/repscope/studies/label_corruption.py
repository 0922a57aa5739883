"""T2 — mutual information against label corruption: on trees labelled by
branch, DSMI(Z; label) falls to ~0 as a growing fraction of the labels is
shuffled (higher for more branches); binned CSMI stays small and shows no
such trend. ``tree: authors`` (default) draws the DSE authors' smooth-branch
trees (one tree per branch count, shared by every repetition and noise level,
as their script drew it with one seed); ``tree: random_walk`` repscope's
earlier PHATE-style random walks, a new tree per cell (docs/fidelity.md)."""
from __future__ import annotations

import pandas as pd

from .._validate import check_choice
from ..data.toy import TREES, corrupt_labels, random_walk_tree, smooth_branch_tree
from ..metrics import classic_shannon_mutual_information, diffusion_spectral_mutual_information
from ._common import cell_rng, evenly, grid, line_grid


def needs(s) -> list[str]:
    """No files; called when the workflow is planned, so a bad tree fails before any job."""
    check_choice(s.tree, "study.tree", TREES)
    return []


def _tree(s, i, j, n_branch, rng):
    """(points, labels) of one cell: the authors' tree of ``n_branch`` branches
    plus noise * U(-1, 1), or a random-walk tree drawn with the cell's noise."""
    if s.tree == "random_walk":
        return random_walk_tree(n_branch, s.branch_length, s.dim, noise=s.noise[j], seed=rng)
    X, y = smooth_branch_tree(s.dim, n_branch, s.branch_length * n_branch,
                              seed=cell_rng(s.seed, i))
    return X + s.noise[j] * rng.uniform(-1, 1, X.shape), y


def run(cfg) -> pd.DataFrame:
    s = cfg.study
    needs(s)
    rows, ts = [], list(s.t)
    fractions = evenly(0, 1, s.n_corruptions)
    for c in grid("T2", rep=range(s.repetitions), branches=s.branches, noise=s.noise):
        (r, _), (i, n_branch), (j, noise) = c["rep"], c["branches"], c["noise"]
        rng = cell_rng(s.seed, r, i, j)
        Z, y = _tree(s, i, j, n_branch, rng)
        for frac in fractions:
            yc = corrupt_labels(y, frac, seed=rng)
            base = dict(branches=n_branch, noise=noise, corruption=frac, rep=r)
            mi = diffusion_spectral_mutual_information(Z, yc, sigma=s.sigma, t=ts, max_n=None,
                                                       n_repetitions=s.mi_repetitions,
                                                       seed=int(rng.integers(2**31))).mi
            rows += [dict(base, measure="DSMI", t=t, curve=f"DSMI, t = {t}", value=float(v))
                     for t, v in zip(ts, mi)]
            csmi = classic_shannon_mutual_information(Z, yc, num_bins_per_dim=s.cse_bins,
                                                      n_repetitions=s.mi_repetitions, max_n=None,
                                                      seed=int(rng.integers(2**31))).mi
            rows.append(dict(base, measure="CSMI", t=float("nan"), curve=f"CSMI, {s.cse_bins} bins",
                             value=float(csmi)))
    return pd.DataFrame(rows)


def draw_mi_vs_corruption(df):
    d = df.copy()
    d["branches"] = d.branches.astype(str) + " branches"
    return line_grid(d, x="corruption", hue="curve", style="branches", row="measure",
                     col="noise", sharey=False, ylabel="MI(Z; label) (bits)")


FIGURES = {"label_corruption_mi": draw_mi_vs_corruption}
