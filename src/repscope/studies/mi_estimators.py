"""T5 — MI estimators in high dimension: on three well-separated Gaussian blobs
labelled by blob, I(Z; Y) = H(Y) = log2 3 at every dimension, and with a fraction f
of the labels shuffled I(Z; Y) = log2 3 - H(1 - 2f/3, f/3, f/3) (the ``truth`` column).
Each estimator's value against the dimension, against label corruption, and its run time
(measured here, on this machine, per call). As in the DSE authors' script,
every blob set gets noise * U(-1, 1) added for each noise level in turn (the
levels accumulate: level j's data carry the noise of levels 0..j)."""
from __future__ import annotations

import functools
import time

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from .._validate import check_choice, check_positive
from ..data.toy import corrupt_labels, corrupted_label_information, gaussian_blobs
from ..metrics import adjacency_spectral_mutual_information, diffusion_spectral_mutual_information
from ..metrics.baselines import ksg_mutual_information
from ..metrics.dsmi import binned_mutual_information
from ..metrics.variational import CRITIC_INITS, infonce_mutual_information, mine_mutual_information
from ._common import cell_rng, evenly, line_grid
from .cells import cell_store, measure_cells


def _dsmi(Z, y, **kw):
    return diffusion_spectral_mutual_information(Z, y, **kw).mi


def _asmi(Z, y, adjacency="knn", **kw):
    """ASMI: the DSMI estimator on an adjacency spectrum (``adjacency``: knn,
    gaussian or anisotropic; the name ``kind`` is taken by the estimator table)."""
    return adjacency_spectral_mutual_information(Z, y, kind=adjacency, **kw).mi


KINDS = {"dsmi": _dsmi, "asmi": _asmi, "binned": binned_mutual_information,
         "ksg": ksg_mutual_information, "mine": mine_mutual_information,
         "infonce": infonce_mutual_information}
ON_DEVICE = ("dsmi", "asmi", "ksg", "mine", "infonce")


def check(s) -> None:
    """The estimator table's kinds and the worker count, when the workflow is planned."""
    check_positive(s.workers, "study.workers", integer=True)
    estimators(s)


def estimators(s) -> dict:
    """{label: f(Z, y, seed) -> bits} from the study's ``estimators`` table, keyed by
    identifiers (an entry's ``label``, its display name in tables and figures, defaults
    to its key; an entry set to null, e.g. by an experiment, is left out)."""
    out = {}
    for name, spec in OmegaConf.to_container(s.estimators).items():
        if spec is None:
            continue
        label = spec.pop("label", name)
        if label in out:
            raise ValueError(f"estimators.{name}.label: {label!r} labels two estimators")
        kind = check_choice(spec.pop("kind", None), f"estimators.{name}.kind", KINDS)
        if kind == "mine" and "init" in spec:
            check_choice(spec["init"], f"estimators.{name}.init", CRITIC_INITS)
        if kind in ON_DEVICE:
            spec["device"] = s.device

        def call(Z, y, seed, _f=KINDS[kind], _kw=spec):
            return float(_f(Z, y, seed=seed, **_kw))

        out[label] = call
    return out


def _warmed_up(s) -> dict:
    """The estimators, each called once on a tiny problem so that lazy imports and
    first-call set-up costs are not counted in the first measured run time."""
    fns = estimators(s)
    Z, y = gaussian_blobs(60, 4, 3, seed=0)
    for f in fns.values():
        f(Z, y, 0)
    return fns


def _noisy(s, X, rng):
    """X with each noise level added in turn: yields (level, data)."""
    X = X.copy()
    for level in s.noise:
        X += level * rng.uniform(-1, 1, X.shape)
        yield level, X


def _cells(s) -> list[tuple]:
    """(part, rep, dim, corruption, generator keys) of every blob set: the dimension sweep,
    then the corruption sweep; each set is measured at every noise level in turn."""
    out = [("dimension", r, dim, 0.0, (r, i)) for r in range(s.repetitions) for i, dim in enumerate(s.dims)]
    return out + [("corruption", r, dim, frac, (r, 1000 + i))
                  for r in range(s.repetitions) for i, dim in enumerate(s.corruption_dims)
                  for frac in evenly(0, 1, s.n_corruptions)]


def _measure_cell(s, cell, fns) -> list[dict]:
    """Every estimator at every noise level of one blob set, timed per call; the set, its
    noise and the estimators' seeds come from the cell's own generator."""
    part, r, dim, frac, keys = cell
    rng = cell_rng(s.seed, *keys)
    X, y = gaussian_blobs(s.n_points, dim, s.centers, cluster_std=s.cluster_std, box=s.box, seed=rng)
    truth = corrupted_label_information(np.bincount(y) / len(y), frac)  # H(Y) at 0 % corruption
    if part == "corruption":
        y = corrupt_labels(y, frac, seed=rng)
    rows = []
    for noise, Z in _noisy(s, X, rng):
        base = dict(part=part, n_points=s.n_points, dim=dim, noise=noise, corruption=frac, rep=r, truth=truth)
        seed = int(rng.integers(2**31))
        for name, f in fns.items():
            start = time.perf_counter()
            value = f(Z, y, seed)
            rows.append(dict(base, estimator=name, value=value, seconds=time.perf_counter() - start))
    return rows


def _priority(cell):
    part, rep, dim = cell[:3]
    return part == "dimension", -rep, dim


def run(cfg) -> pd.DataFrame:
    """Every cell, measured by ``study.workers`` processes side by side (one thread each;
    1 = in this process): the dimension sweep first, a repetition at a time, highest
    dimensions first, so the long cells start early and a stopped run (resumed from its
    kept cells, :mod:`repscope.studies.cells`) has whole curves. Run times are per call,
    on one thread when workers > 1."""
    s = cfg.study
    rows = measure_cells(functools.partial(_measure_cell, s), _cells(s), workers=s.workers,
                         store=cell_store(s), setup=_warmed_up, args=(s,), priority=_priority, desc="T5")
    return pd.DataFrame(rows)


def draw_mi_vs_dimension(df):
    d = df[df.part == "dimension"]
    return line_grid(d, x="dim", hue="estimator", style="estimator", col="noise", logx=True,
                     hline=float(d.truth.iloc[0]), ylabel="estimated I(Z; Y) (bits)")


def draw_mi_vs_corruption(df):
    d = df[df.part == "corruption"]
    return line_grid(d, x="corruption", hue="estimator", style="estimator", row="noise",
                     col="dim", hline="truth", ylabel="estimated I(Z; Y) (bits)")


def draw_runtime(df):
    d = df[df.part == "dimension"]
    return line_grid(d, x="dim", y="seconds", hue="estimator", style="estimator", logx=True,
                     logy=True, ylabel="run time (s)")


FIGURES = {"mi_estimators_vs_dimension": draw_mi_vs_dimension,
           "mi_estimators_vs_corruption": draw_mi_vs_corruption,
           "mi_estimators_runtime": draw_runtime}
