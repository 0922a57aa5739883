"""`repscope fidelity experiment=<name> [results=<dir>] [out=<file.md>]`: the
fidelity record of the toy studies T1-T5 (docs/fidelity.md). For every
published trend or number it reads the value repscope regenerated from the
studies' tables (results/<name>/studies/<study>.parquet), puts the two side by
side with their difference and says whether they agree. The prose (sources,
setups taken from the authors' code, choices where they are silent, why a
value disagrees) lives in :mod:`repscope.studies.fidelity_text` and in each check's ``note``."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import CONF_DIR, compose, split_args
from ..data.toy import corrupted_label_information
from ..layout import Layout
from ._common import evenly
from .fidelity_text import NOTES, PAPER, REPO, SETUP, TRAINING

OWN_KEYS = ("results", "out")


@dataclass
class Check:
    """One published trend or number beside repscope's value."""

    claim: str
    published: str          # the published statement or number
    value: float            # repscope's number
    target: float | None    # the published number the difference is taken to (None: a trend)
    agrees: bool | None     # None: nothing published to compare with
    note: str = ""          # why they disagree, or what was chosen

    def row(self) -> str:
        diff = "" if self.target is None else f"{self.value - self.target:+.3f}"
        verdict = {True: "agrees", False: "**disagrees**", None: "no published value"}[
            None if self.agrees is None else bool(self.agrees)]
        claim, published, note = (text.replace("|", "\\|") for text in (self.claim, self.published, self.note))
        return f"| {claim} | {published} | {self.value:.3f} | {diff} | {verdict} | {note} |"


def _spearman(x, y) -> float:
    return float(pd.Series(np.asarray(x, float)).corr(pd.Series(np.asarray(y, float)),
                                                      method="spearman"))


def intrinsic_dimension_checks(df, s) -> list[Check]:
    pts = df[df.panel == "points"]
    log2n = float(pts.log2_n.iloc[0])
    dse = pts[pts.measure == "DSE"].groupby(["distribution", "noise", "t", "intrinsic_dim"]).value.mean()
    dse1 = dse.xs(1.0, level="t")
    top = dse1.xs(dse1.index.get_level_values("intrinsic_dim").max(), level="intrinsic_dim")
    rho = min(_spearman(s.index.get_level_values("intrinsic_dim"), s)
              for _, s in dse1.groupby(level=["distribution", "noise"]))
    t_max = float(pts.t.max())
    later = (dse.xs(t_max, level="t") <= dse1 + 1e-9).mean()
    cse = float((pts[pts.measure == "CSE"].value - log2n).abs().max())
    mat = df[df.panel == "matrix"]
    mdse = mat[(mat.measure == "DSE") & (mat.t == 1)].groupby(["n_points", "alpha"]).value.mean()
    n = 256 if 256 in mdse.index.get_level_values(0) else int(mdse.index.get_level_values(0).max())
    at0 = float(mdse[n].iloc[0])
    at1 = float((mdse.xs(1.0, level="alpha") - np.log2(mdse.xs(1.0, level="alpha").index)).abs().max())
    checks = [
        Check(f"DSE (t = 1) at d = D, lowest over the {len(top)} panels (bits; log2 N = "
              f"{log2n:.2f})",
              "saturates at log2 N", float(top.min()), log2n, abs(top.min() - log2n) < 0.5),
        Check("DSE (t = 1) rises with d: Spearman rho(d, DSE), lowest panel", "monotone rise",
              rho, 1.0, rho > 0.9),
        Check(f"larger t delays the saturation: share of (panel, d) with DSE(t = {t_max:g}) <= "
              "DSE(t = 1)", "every d", float(later), 1.0, later > 0.95),
        Check("CSE (2 bins per dimension): largest deviation from log2 N", "flat at log2 N", cse, 0.0,
              cse < 0.01),
        Check(f"matrix panel: log2 n - DSE at alpha = 0, n = {n} (bits)",
              "several bits below log2 n, steep rise with alpha", math.log2(n) - at0, None,
              math.log2(n) - at0 > 2,
              "all eigenvalues kept (repscope's and dse-dsmi's DSE); the authors' utility of "
              "that time dropped the largest one, which leaves only ~0.3 bits below log2 n"),
        Check("matrix panel: largest deviation of DSE(alpha = 1) from log2 n", "log2 n (identity)",
              at1, 0.0, at1 < 1e-6),
    ]
    dmee = mat[mat.measure == "DMEE"].groupby(["n_points", "alpha"]).value.mean()
    if len(dmee):
        spread = float(dmee[n].max() - dmee[n].min())
        checks.append(Check(f"matrix panel: DMEE range over alpha, n = {n} (bits; 2 log2 n = "
                            f"{2 * math.log2(n):.0f})", "plotted, no value stated", spread, None,
                            None, "computed as the authors' script did (entry entropy of a "
                            "sigma = 10 kernel on the rows of D^-1 M): flat at about 2 log2 n, "
                            "as the rows of a row-stochastic matrix lie far within sigma = 10 of "
                            "each other"))
    pdmee = pts[pts.measure == "DMEE"].value
    if len(pdmee):
        checks.append(Check(f"points: DMEE range over every d, noise and distribution (bits; "
                            f"2 log2 N = {2 * log2n:.2f})", "plotted, no value stated",
                            float(pdmee.max() - pdmee.min()), None, None,
                            f"DMEE = {pdmee.mean():.3f} throughout: the same near-uniform "
                            "kernel on the diffusion matrix's rows"))
    return checks


def label_corruption_checks(df, s) -> list[Check]:
    d = df[(df.measure == "DSMI") & (df.t == df.t.min())]
    mean = d.groupby(["branches", "noise", "corruption"]).value.mean()
    clean = mean.xs(0.0, level="corruption").groupby(level="branches").mean()
    full = float(mean.xs(1.0, level="corruption").abs().max())
    rho = max(_spearman(s.index.get_level_values("corruption"), s)
              for _, s in mean.groupby(level=["branches", "noise"]))
    cs = df[df.measure == "CSMI"].groupby(["branches", "noise", "corruption"]).value.mean()
    csmi = float(cs.max())
    peaked = float(np.mean([s.idxmax()[-1] > 0 for _, s in cs.groupby(level=["branches", "noise"])]))
    ordered = bool(np.all(np.diff(clean.to_numpy()) > 0))
    later = df[(df.measure == "DSMI") & (df.t > df.t.min()) & (df.corruption == 0)]
    checks = [] if later.empty else [Check(
        f"DSMI at t > {df.t.min():g}, 0 % corruption: largest mean over branches, noise and t (bits)",
        "not computed (the authors' t lines are all t = 1)",
        float(later.groupby(["branches", "noise", "t"]).value.mean().max()), None, None,
        "later diffusion steps mix the branches, which are small beside σ = 10")]
    return [
        Check("DSMI (t = 1) at 0 % corruption, " + ", ".join(f"{b} branches: {v:.2f}"
                                                             for b, v in clean.items()),
              "higher for more branches", float(clean.iloc[-1]), None, ordered),
        Check("DSMI at 100 % corruption: largest absolute value (bits)", "falls to about 0", full, 0.0,
              full < 0.1),
        Check("DSMI falls monotonically: Spearman rho(corruption, DSMI), weakest curve",
              "monotone fall", rho, -1.0, rho < -0.9),
        Check("CSMI: largest value, relative to the largest DSMI", "small", csmi / clean.max(),
              None, csmi < 0.5 * clean.max(), f"largest CSMI {csmi:.2f} bits"),
        Check("CSMI not monotonic: share of curves peaking above 0 % corruption", "not monotonic",
              peaked, None, peaked > 0.5, "CSMI first rises with corruption, then falls to 0"),
    ] + checks


def blob_splitting_checks(df, s) -> list[Check]:
    last = df[df.t == df.t.max()].groupby(["blobs", "dim"]).value.mean()
    t_max = int(df.t.max())
    out = []
    for (k, dim), v in last.items():
        target = math.log2(k)
        out.append(Check(f"DSE at t = {t_max}, {k} blob(s), dimension {dim}",
                         f"tends to log2 {k} = {target:.3f}", float(v), target,
                         abs(v - target) < 0.05))
    return out


def subsampling_checks(df, s) -> list[Check]:
    curves = df.groupby(["t", "dim", "ratio"]).value.mean()
    spread = curves.groupby(level=["t", "dim"]).agg(lambda v: v.max() - v.min())
    by_t = spread.groupby(level="t").max()
    out = []
    for t, v in by_t.items():
        tight = t >= 2
        out.append(Check(f"largest spread over subsampling ratios, t = {t:g} (bits)",
                         "curves overlap tightly" if tight else "looser overlap", float(v), 0.0,
                         v < 0.3 if tight else None,
                         "" if tight else "the paper claims a tight overlap for t >= 2 only"))
    return out


def mi_estimators_checks(df, s) -> list[Check]:
    d = df[(df.part == "dimension") & (df.noise == df.noise.min())]
    mi = d.groupby(["estimator", "dim"]).value.mean()
    secs = d.groupby(["estimator", "dim"]).seconds.mean()
    truth = float(d.truth.iloc[0])
    dims = sorted(d.dim.unique())
    lo, hi = dims[0], dims[-1]
    out = [Check(f"DSMI at d = {lo} (bits)", f"log2 3 = {truth:.3f} (ground truth)",
                 float(mi["DSMI", lo]), truth, abs(mi["DSMI", lo] - truth) < 0.2,
                 "the paper plots the trend and states no value here; at t = 1 DSE also counts "
                 "each blob's own spectrum, so DSMI reads below H(Y) (T3: DSE reaches the "
                 "cluster count only at large t)"),
           Check(f"DSMI at d = {hi} / DSMI at d = {lo}", "degrades slowly with d",
                 float(mi["DSMI", hi] / mi["DSMI", lo]), None, mi["DSMI", hi] > 0.2 * truth)]
    above50, upto1000, from5000 = ([x for x in dims if x >= 50], [x for x in dims if x <= 1000],
                                   [x for x in dims if x >= 5000])
    if "KSG" in mi and above50:
        ksg = float(mi["KSG"][above50].abs().max())
        out.append(Check("KSG (k = 3, label as a number): largest absolute value for d >= 50",
                         "collapses to 0 from d ~ 50", ksg, 0.0, ksg < 0.1))
    if "MINE" in mi and upto1000:
        low = float(mi["MINE"][upto1000].mean())
        out.append(Check("MINE (authors' settings) mean for d <= 1000", "informative below d ~ "
                         "2000", low, truth, low > 0.5 * truth,
                         "bits here; the authors' MINE reported nats"))
    if "MINE" in mi and upto1000 and from5000:
        top = float(mi["MINE", hi])
        out.append(Check(f"MINE (authors' settings) at d = {hi} (bits)", "collapsed (beyond d ~ 2000)",
                         top, 0.0, abs(top) < 0.1))
        half = [x for x in dims if mi["MINE", x] < 0.5 * mi["MINE"][upto1000].mean()]
        first = half[0] if half else float("nan")
        out.append(Check("MINE (authors' settings): first d where it is below half its mean for d <= 1000",
                         "between 2000 and 5000", first, None, 2000 <= first <= 5000))
    binned = [e for e in mi.index.get_level_values(0).unique() if e.startswith("CSMI")]
    if binned:
        b = float(mi[binned].abs().max())
        out.append(Check("binned MI (5, 10, 100 bins): largest absolute value", "0 throughout", b, 0.0,
                         b < 0.05))
    for other in ("KSG", "MINE"):
        if other in secs and "DSMI" in secs:
            r = float(secs[other, hi] / secs["DSMI", hi])
            out.append(Check(f"run time at d = {hi}: {other} / DSMI (this machine)",
                             "DSMI scales better with d", r, None, r > 1,
                             "timed on the machine that ran the study, under whatever load "
                             "it had"))
    for name in sorted(set(mi.index.get_level_values(0)) - {"DSMI", "KSG", "MINE", *binned}):
        out.append(Check(f"{name} at d = {lo} (bits)", "no published value", float(mi[name, lo]),
                         truth, None))
    return out + _corruption_checks(df, s)


def _corruption_checks(df, s) -> list[Check]:
    """T5's corruption sweep (lowest noise) against its truth: with a fraction f of the
    labels shuffled among themselves, I(Z; Y) = log2 K - H(1 - f (K - 1)/K, f/K, ...)."""
    c = df[(df.part == "corruption") & (df.noise == df.noise.min())]
    if c.empty:
        return []
    uniform = np.full(s.centers, 1 / s.centers)
    truth = {f: corrupted_label_information(uniform, f) for f in c.corruption.unique()}
    mean = c.groupby(["estimator", "dim", "corruption"]).value.mean()
    dims = sorted(c.dim.unique())
    shown = ", ".join(f"{x:g}" for x in dims)
    fracs = sorted(truth)
    mid = fracs[len(fracs) // 2]
    rho = min(_spearman(fracs, mean["DSMI", x][fracs]) for x in dims) if "DSMI" in mean else float("nan")
    out = [Check(f"DSMI falls with the corruption: Spearman rho(corruption, DSMI), weakest of d = {shown}",
                 "plotted, no value stated", rho, None, None,
                 f"the truth falls from {truth[fracs[0]]:.3f} to {truth[fracs[-1]]:.3f} bits")]
    for name in sorted(mean.index.get_level_values(0).unique()):
        err = [abs(mean[name, x, f] - truth[f]) for x in dims for f in fracs]
        at = " / ".join(f"{mean[name, dims[0], f]:.2f}" for f in (fracs[0], mid, fracs[-1]))
        out.append(Check(f"{name}: mean absolute error against the truth over the corruption sweep (d = {shown}; bits)",
                         "plotted, no value stated", float(np.mean(err)), None, None,
                         f"at {fracs[0]:.0%} / {mid:.0%} / {fracs[-1]:.0%} corruption, d = {dims[0]:g}: {at} "
                         f"(truth {truth[fracs[0]]:.2f} / {truth[mid]:.2f} / {truth[fracs[-1]]:.2f})"))
    return out


SIZE_COLUMNS = {"intrinsic_dimension": ["n_points", "intrinsic_dim", "noise", "t", "rep"],
                "label_corruption": ["branches", "noise", "corruption", "t", "rep"],
                "blob_splitting": ["blobs", "dim", "t", "rep"],
                "subsampling": ["dim", "ratio", "n_points", "t", "rep"],
                "mi_estimators": ["n_points", "dim", "noise", "corruption", "rep"]}


def _reps(s):
    return list(range(s.repetitions))


# column of the table -> the values the experiment's study config asks for
EXPECTED = {"intrinsic_dimension": {"rep": _reps, "intrinsic_dim": lambda s: evenly(
                s.min_intrinsic_dim, s.ambient_dim, s.n_intrinsic_dims, integer=True)},
            "label_corruption": {"rep": _reps, "branches": lambda s: list(s.branches)},
            "blob_splitting": {"rep": _reps, "dim": lambda s: list(s.dims)},
            "subsampling": {"rep": _reps, "dim": lambda s: evenly(s.min_dim, s.max_dim, s.n_dims,
                                                         integer=True)},
            "mi_estimators": {"rep": _reps, "dim": lambda s: list(s.dims), "noise": lambda s: list(s.noise),
                              "corruption": lambda s: evenly(0, 1, s.n_corruptions)}}


def _values(v) -> str:
    return "[" + ", ".join(f"{x:g}" for x in sorted(v)) + "]"


def partial_line(name, df, s) -> str:
    """A warning when the table holds less than the experiment's study config ``s`` asks for."""
    have = {col: set(df[col].dropna().unique().tolist()) for col in EXPECTED[name] if col in df}
    gaps = [f"{col}: config {_values(want(s))}, table {_values(have[col])}"
            for col, want in EXPECTED[name].items() if col in have and have[col] != set(want(s))]
    return "" if not gaps else ("**Partial table** (not the experiment's full size) — "
                                + "; ".join(gaps) + ".\n")


def time_line(benchmark) -> str:
    """The study job's run time, from Snakemake's benchmark file when the workflow made the table."""
    if not benchmark.exists():
        return ""
    b = pd.read_csv(benchmark, sep="\t").iloc[0]
    return (f"Run time: {b.s / 60:.1f} min wall, {b.cpu_time / 60:.1f} CPU-minutes (Snakemake's "
            f"benchmark of the study job, on the machine that ran it).\n")


def cost_line(df) -> str:
    """Where an estimator study's time went, from its per-call run times (``seconds``)."""
    if not {"seconds", "estimator"} <= set(df.columns):
        return ""
    by = df.groupby("estimator").seconds.sum().sort_values(ascending=False)
    total = float(by.sum())
    shares = ", ".join(f"{name} {v / total:.0%}" for name, v in by.items())
    return (f"Estimator calls: {total:.0f} CPU-seconds in all (each call on one thread where the study "
            f"ran in workers): {shares}.\n")


def size_line(name, df) -> str:
    """The grid the table holds, read from the table itself."""
    parts = []
    for col in SIZE_COLUMNS[name]:
        if col not in df:
            continue
        v = sorted(df[col].dropna().unique())
        shown = ", ".join(f"{x:g}" for x in v) if len(v) <= 6 else \
            f"{v[0]:g} … {v[-1]:g} ({len(v)} values)"
        parts.append(f"{col}: {shown}")
    return "Table: " + "; ".join(parts) + ".\n"


CHECKS = {"intrinsic_dimension": intrinsic_dimension_checks, "label_corruption": label_corruption_checks,
          "blob_splitting": blob_splitting_checks, "subsampling": subsampling_checks,
          "mi_estimators": mi_estimators_checks}
TITLES = {"intrinsic_dimension": "T1 — DSE against intrinsic dimension; the matrix panel",
          "label_corruption": "T2 — DSMI against label corruption on trees",
          "blob_splitting": "T3 — blob splitting",
          "subsampling": "T4 — subsampling robustness",
          "mi_estimators": "T5 — MI estimators in high dimension"}
HEADER = ("| quantity | published | repscope | difference | verdict | note |\n"
          "| --- | --- | --- | --- | --- | --- |")


def record(results_dir, experiment) -> str:
    """docs/fidelity.md as text, from the study tables under ``results_dir``."""
    from . import study_config

    parts = [f"# Fidelity record of the toy studies\n\nGenerated by `repscope fidelity "
             f"experiment={experiment}` from the toy studies' tables in `results/{experiment}/studies/`. "
             f"Do not edit by hand: the prose is in `src/repscope/studies/fidelity_text.py`, the checks in `fidelity.py`.\n\n"
             f"Published trends: {PAPER}, its toy figures and the authors' repository README "
             f"({REPO}). \"difference\" is repscope − published where the paper gives a number.\n",
             SETUP]
    for name, checks in CHECKS.items():
        path = Layout(results_dir).study(name)
        parts.append(f"## {TITLES[name]} (`{name}`)\n")
        if not path.exists():
            parts.append(f"No table at `{path}`: run `snakemake --cores 2 --config "
                         f"experiment={experiment}`.\n")
            continue
        df = pd.read_parquet(path)
        s = study_config(name, [f"experiment={experiment}"]).study
        rows = checks(df, s)
        parts.append(size_line(name, df) + partial_line(name, df, s)
                     + time_line(Layout(results_dir).benchmark(f"study/{name}")) + cost_line(df))
        parts.append(HEADER + "\n" + "\n".join(c.row() for c in rows) + "\n")
        parts.append(NOTES.get(name, ""))
    parts.append(TRAINING)
    return "\n".join(parts)


def main(argv) -> int:
    """Write the fidelity record (default docs/fidelity.md in the repository)."""
    from ..io import atomic_path

    own, rest = split_args(argv, OWN_KEYS)
    exp = dict(a.split("=", 1) for a in rest if a.startswith("experiment=")).get("experiment")
    if exp is None or len(rest) != 1:
        raise SystemExit("usage: repscope fidelity experiment=<name> [results=<dir>] [out=<file.md>]")
    out = Path(own.get("out", CONF_DIR.parent / "docs" / "fidelity.md"))
    text = record(own.get("results") or Layout.of(compose([f"experiment={exp}"])).root, exp)
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    print(f"fidelity record -> {out}")
    return 0
