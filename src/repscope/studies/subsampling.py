"""T4 — subsampling robustness: DSE of diffusion-limited-aggregation trees
(PHATE's gen_dla) against their dimension, on 100 % down to 10 % of the
points. The curves for different ratios stay close (tightly for t >= 2): DSE
describes the manifold, not the sample size."""
from __future__ import annotations

import pandas as pd

from ..data.toy import dla_tree
from ..metrics import diffusion_spectral_entropy
from ._common import cell_rng, evenly, grid, line_grid


def run(cfg) -> pd.DataFrame:
    s = cfg.study
    ts = list(s.t)
    rows = []
    dims = evenly(s.min_dim, s.max_dim, s.n_dims, integer=True)
    for c in grid("T4", rep=range(s.repetitions), dim=dims):
        (r, _), (i, dim) = c["rep"], c["dim"]
        rng = cell_rng(s.seed, r, i)
        X, _ = dla_tree(dim, s.n_branch, s.branch_length, rand_multiplier=s.rand_multiplier,
                        sigma=s.tree_noise, seed=rng)
        for ratio in s.ratios:
            keep = rng.choice(len(X), size=max(2, int(ratio * len(X))), replace=False)
            h = diffusion_spectral_entropy(X[keep], sigma=s.sigma, t=ts, max_n=None)
            rows += [dict(dim=dim, ratio=ratio, rep=r, n_points=len(keep), t=t, value=float(v))
                     for t, v in zip(ts, h)]
    return pd.DataFrame(rows)


def draw_subsampling(df):
    d = df.copy()
    d["t"] = "t = " + d.t.astype(str)
    d["kept"] = (100 * d.ratio).round().astype(int).astype(str) + " %"
    return line_grid(d, x="dim", hue="t", style="kept", ylabel="DSE (bits)")


FIGURES = {"subsampling": draw_subsampling}
