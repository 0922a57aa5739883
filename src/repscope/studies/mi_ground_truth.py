"""mi_ground_truth — the MI estimators against a known answer in representation-sized spaces
(``docs/studies.md``): K-class mixtures whose I(Z; Y) is computed from the exact posterior
(:mod:`repscope.data.mixtures`), from 0 to log2 K bits by the class separation, through
invertible transforms, padded with nuisance coordinates and rotated into D dimensions.
Three sweeps (``sweeps``): the separation (true MI), the dimension and the sample size.
Every estimator of the ``estimators`` table (the T5 form) is rated by its bias and spread."""
from __future__ import annotations

import functools
import itertools
import time

import pandas as pd
from omegaconf import OmegaConf

from ..data.mixtures import Mixture, labelled_mixture, mixture_mutual_information
from ._common import cell_rng, line_grid
from .cells import cell_store, measure_cells
from .mi_estimators import estimators


def check(s) -> None:
    """The study's settings; called when the workflow is planned, so a bad one fails before any job."""
    from .._validate import check_choice, check_positive
    from ..data.mixtures import TRANSFORMS

    for key in ("classes", "truth_samples", "repetitions", "workers"):
        check_positive(s[key], f"study.{key}", integer=True)
    for part, sweep in s.sweeps.items():
        for kind in sweep.transforms:
            check_choice(kind, f"study.sweeps.{part}.transforms", TRANSFORMS)
        for dim in sweep.dims:
            if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
                raise ValueError(f"study.sweeps.{part}.dims must be integers >= 2; got {dim!r}")
        for n in sweep.n_points:
            check_positive(n, f"study.sweeps.{part}.n_points", integer=True)
    _estimators(s)  # unknown names in `use`, unknown estimator kinds


def _truths(s) -> dict:
    """{(separation, transform): (MI, standard error)} of every mixture the sweeps use."""
    out = {}
    for sweep in s.sweeps.values():
        for sep in sweep.separations:
            for kind in sweep.transforms:
                key = (float(sep), kind)
                if key not in out:
                    out[key] = mixture_mutual_information(
                        _mixture(s, sep, kind), n_samples=s.truth_samples, seed=s.seed)
    return out


def _estimators(s) -> dict:
    """The estimators of the table that ``use`` lists (null: all of them)."""
    if s.use is None:
        return estimators(s)
    unknown = sorted(set(s.use) - set(s.estimators))
    if unknown:
        raise ValueError(f"study.use: unknown estimator(s) {unknown}; valid: {sorted(s.estimators)}")
    chosen = OmegaConf.create({"estimators": {k: s.estimators[k] for k in s.use},
                               "device": s.device})
    return estimators(chosen)


def _mixture(s, separation, kind) -> Mixture:
    return Mixture(s.classes, float(separation), s.latent_noise,
                   s.student_dof if kind == "student" else None)


def _cells(s) -> list[tuple]:
    """Every (sweep, repetition, separation, transform, dim, N) cell with its generator's keys."""
    out = []
    for p, (part, sweep) in enumerate(s.sweeps.items()):
        for c in itertools.product(range(s.repetitions), *(list(enumerate(sweep[k])) for k in
                                   ("separations", "transforms", "dims", "n_points"))):
            r, (i, sep), (j, kind), (k, dim), (m, n) = c
            out.append((part, r, float(sep), kind, dim, n, (p, r, i, j, k, m)))
    return out


def _measure_cell(s, truths, cell, fns) -> list[dict]:
    """Every estimator's rows for one cell; its points come from the cell's own generator,
    so a cell's rows do not depend on which process measures it or in which order."""
    part, r, sep, kind, dim, n, keys = cell
    truth = truths[sep, kind]
    rng = cell_rng(s.seed, *keys)
    Z, y = labelled_mixture(_mixture(s, sep, kind), n, dim, kind, nuisance_std=s.nuisance_std,
                            spiral_speed=s.spiral_speed, seed=rng)
    seed = int(rng.integers(2**31))
    rows = []
    for name, f in fns.items():
        start = time.perf_counter()
        value = f(Z, y, seed)
        rows.append(dict(part=part, separation=sep, transform=kind, dim=dim, n_points=n, rep=r,
                         truth=truth[0], truth_se=truth[1], estimator=name, value=value,
                         error=value - truth[0], seconds=time.perf_counter() - start))
    return rows


def run(cfg) -> pd.DataFrame:
    """Every cell of the sweeps, measured by ``study.workers`` processes side by side
    (single-threaded each; 1 = in this process)."""
    s = cfg.study
    check(s)
    rows = measure_cells(functools.partial(_measure_cell, s, _truths(s)), _cells(s), workers=s.workers,
                         store=cell_store(s), setup=_estimators, args=(s,), desc="ground truth")
    return pd.DataFrame(rows)


def rating(df: pd.DataFrame) -> pd.DataFrame:
    """Per sweep and estimator: mean bias (estimate - truth), the spread of the estimate over
    repetitions (s.d., averaged over cells) and the mean absolute error, in bits."""
    cells = ["part", "estimator", "separation", "transform", "dim", "n_points"]
    per_cell = df.groupby(cells).agg(bias=("error", "mean"), spread=("value", "std"),
                                     abs_error=("error", lambda e: e.abs().mean()))
    return per_cell.groupby(["part", "estimator"]).mean().reset_index()


def draw_estimates(df):
    d = df[df.part == "separation"]
    fig = line_grid(d, x="truth", hue="estimator", style="estimator", col="transform",
                    ylabel="estimated I(Z; Y) (bits)")
    for ax in fig.axes:
        lim = [0, float(d.truth.max())]
        ax.plot(lim, lim, ls="--", color="grey", lw=1)
        ax.set_xlabel("true I(Z; Y) (bits)")
    return fig


def draw_error_vs_dimension(df):
    return line_grid(df[df.part == "dimension"], x="dim", y="error", hue="estimator",
                     style="estimator", col="transform", logx=True, hline=0.0,
                     ylabel="estimate - truth (bits)")


def draw_error_vs_sample_size(df):
    return line_grid(df[df.part == "sample_size"], x="n_points", y="error", hue="estimator",
                     style="estimator", col="transform", logx=True, hline=0.0,
                     ylabel="estimate - truth (bits)")


FIGURES = {"mi_ground_truth_estimates": draw_estimates,
           "mi_ground_truth_error_vs_dimension": draw_error_vs_dimension,
           "mi_ground_truth_error_vs_sample_size": draw_error_vs_sample_size}
