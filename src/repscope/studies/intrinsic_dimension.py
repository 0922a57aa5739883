"""T1 — entropy against intrinsic dimension: DSE rises with the intrinsic
dimension d of points embedded in D dimensions and saturates at log2 N
(later for larger t), while binned CSE sits at log2 N for every d. A second
panel: DSE of alpha I + (1 - alpha) W (W the authors' random SPD matrix, one
dominant direction) rises steeply towards log2 n as alpha -> 1. Both panels
also carry the matrix-entry entropy (DMEE) row the DSE authors plotted: as
their script computed it, the entry entropy (sigma = 10) of the rows of the
row-normalised matrix (the points' diffusion matrix, or D^-1 M) taken as
points — see docs/fidelity.md."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..data.toy import (intrinsic_dimension_points, noisy_identity_diffusion,
                        noisy_identity_spectra, random_spd_matrix)
from ..metrics import classic_shannon_entropy, diffusion_spectral_entropy, matrix_entry_entropy
from ..spectral import spectrum_entropy
from ._common import cell_rng, evenly, grid, line_grid

DMEE_SIGMA = 10.0  # the bandwidth the authors' matrix-entry entropy used (their API's default)


def _dmee_of_points(Z, sigma) -> float:
    """The authors' DMEE of points: their symmetric diffusion matrix K = D^-1/2 G
    D^-1/2 of Z (bandwidth ``sigma``), row-normalised, its rows taken as points,
    the matrix-entry entropy of those."""
    sq = np.square(Z).sum(1)
    G = np.exp(-np.maximum(sq[:, None] + sq[None, :] - 2 * Z @ Z.T, 0) / (2 * sigma**2))
    inv_sqrt = 1 / np.sqrt(G.sum(1))
    K = inv_sqrt[:, None] * G * inv_sqrt[None, :]
    return matrix_entry_entropy(K / K.sum(1, keepdims=True), DMEE_SIGMA, max_n=None)


def _points(s) -> list[dict]:
    rows = []
    dims = evenly(s.min_intrinsic_dim, s.ambient_dim, s.n_intrinsic_dims, integer=True)
    ts = list(s.t)
    for c in grid("T1 points", rep=range(s.repetitions), distribution=s.distributions,
                  noise=s.noise, d=dims):
        (r, _), (i, dist), (j, noise), (k, d) = c["rep"], c["distribution"], c["noise"], c["d"]
        Z = intrinsic_dimension_points(s.n_points, s.ambient_dim, d, distribution=dist,
                                       noise=noise, seed=cell_rng(s.seed, r, i, j, k))
        base = dict(panel="points", distribution=dist, noise=noise, intrinsic_dim=d, rep=r,
                    n_points=s.n_points, log2_n=math.log2(s.n_points))
        for t, h in zip(ts, diffusion_spectral_entropy(Z, sigma=s.sigma, t=ts, max_n=None)):
            rows.append(dict(base, measure="DSE", t=t, curve=f"DSE, t = {t}", value=float(h)))
        rows.append(dict(base, measure="CSE", t=float("nan"), curve=f"CSE, {s.cse_bins} bins",
                         value=classic_shannon_entropy(Z, s.cse_bins, max_n=None)))
        if s.dmee:
            rows.append(dict(base, measure="DMEE", t=float("nan"), curve="DMEE",
                             value=_dmee_of_points(Z, s.sigma)))
    return rows


def _matrices(s) -> list[dict]:
    rows = []
    alphas = evenly(0, 1, s.matrix.n_alphas)
    ts = list(s.matrix.t)
    for c in grid("T1 matrices", rep=range(s.repetitions), n=s.matrix.sizes):
        (r, _), (i, n) = c["rep"], c["n"]
        W = random_spd_matrix(n, kind=s.matrix.kind, seed=cell_rng(s.seed, r, i))
        base = dict(panel="matrix", n_points=n, log2_n=math.log2(n), rep=r)
        for alpha, h in zip(alphas, spectrum_entropy(noisy_identity_spectra(W, alphas), ts)):
            rows += [dict(base, alpha=alpha, measure="DSE", t=t, value=float(v))
                     for t, v in zip(ts, h)]
            if s.dmee:
                P = noisy_identity_diffusion(W, alpha)
                rows.append(dict(base, alpha=alpha, measure="DMEE", t=float("nan"),
                                 value=matrix_entry_entropy(P, DMEE_SIGMA, max_n=None)))
    return rows


def run(cfg) -> pd.DataFrame:
    s = cfg.study
    return pd.DataFrame(_points(s) + _matrices(s))


def draw_entropy_vs_dimension(df):
    d = df[df.panel == "points"].copy()
    d["data"] = d.distribution + ", noise " + d.noise.astype(str)
    return line_grid(d, x="intrinsic_dim", hue="curve", row="measure", col="data",
                     hline="log2_n", sharey=False, ylabel="entropy (bits)")


def draw_matrix_entropy(df):
    d = df[df.panel == "matrix"].copy()
    d["n"] = d.n_points.astype(int)
    d["row"] = np.where(d.measure == "DSE", "DSE, t = " + d.t.astype(str), d.measure)
    return line_grid(d, x="alpha", hue="n", row="row", sharey=False, ylabel="entropy (bits)")


FIGURES = {"intrinsic_dimension_entropy": draw_entropy_vs_dimension,
           "intrinsic_dimension_matrix_entropy": draw_matrix_entropy}
