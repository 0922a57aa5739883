"""T3 — blob splitting: DSE against the diffusion time t for one Gaussian blob
and for three. Once diffusion has averaged the noise away, DSE counts
clusters: it tends to log2 3 for three blobs and to 0 for one."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.toy import gaussian_blobs
from ..metrics import diffusion_spectrum
from ..spectral import spectrum_entropy
from ._common import cell_rng, grid, line_grid


def diffusion_times(t_max, n_t) -> list[int]:
    """Distinct integers log-spaced from 1 to t_max."""
    return sorted({int(round(v)) for v in np.logspace(0, math.log10(t_max), int(n_t))})


def run(cfg) -> pd.DataFrame:
    s = cfg.study
    ts = diffusion_times(s.t_max, s.n_t)
    rows = []
    for c in grid("T3", rep=range(s.repetitions), blobs=s.blobs, dim=s.dims):
        (r, _), (i, k), (j, dim) = c["rep"], c["blobs"], c["dim"]
        X, _ = gaussian_blobs(s.n_points, dim, k, cluster_std=s.cluster_std, box=s.box,
                              seed=cell_rng(s.seed, r, i, j))
        X[:, 0] *= s.stretch
        X /= math.sqrt(dim)
        lam = diffusion_spectrum(X, sigma=s.sigma, max_n=None)
        rows += [dict(blobs=k, dim=dim, rep=r, t=t, log2_blobs=math.log2(k), value=float(h))
                 for t, h in zip(ts, spectrum_entropy(lam, ts))]
    return pd.DataFrame(rows)


def draw_blob_splitting(df):
    d = df.copy()
    d["data"] = d.blobs.astype(str) + " blob(s)"
    return line_grid(d, x="t", hue="data", col="dim", logx=True, hline=math.log2(3),
                     ylabel="DSE (bits)")


FIGURES = {"blob_splitting": draw_blob_splitting}
