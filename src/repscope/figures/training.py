"""Study S1 figures: each measure against epoch (mean ± s.d. over seeds) and
against accuracy (the DSE paper's main-figure layout), colour = method,
facets dataset (columns) × model or model group (rows). Where a value is a
stochastic estimate (SLQ) whose standard error is not negligible, error bars
of ± 1 standard error are drawn on it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..pipeline.aggregate import with_accuracy
from ..pipeline.registry import ACCURACY_LAYER, MEASURES


def _select(table: pd.DataFrame, metric: str, t, layer: str) -> pd.DataFrame:
    rows = table[(table.metric == metric) & (table.layer == layer)]
    if t is not None:
        rows = rows[rows.t == float(t)]
    if rows.empty:
        raise ValueError(f"the table has no rows for metric={metric!r}, t={t!r}, layer={layer!r}")
    return rows


def _label(metric: str) -> str:
    return MEASURES[metric].label if metric in MEASURES else metric  # custom ones by name


def _ylabel(metric: str, t) -> str:
    unit = " [bits]" if metric in MEASURES and MEASURES[metric].unit == "bits" else ""
    return _label(metric) + unit + ("" if t is None else f", t = {t:g}")


def _grouped(rows: pd.DataFrame, model_groups) -> tuple[pd.DataFrame, str]:
    """Facet rows: the experiment's model groups (e.g. ConvNets / transformers)
    when given, else one row per model."""
    if not model_groups:
        return rows, "model"
    group_of = {m: g for g, models in model_groups.items() for m in models}
    return rows.assign(group=rows.model.map(group_of)), "group"


NEGLIGIBLE = 0.01  # a standard error below this fraction of a panel's value range is not drawn


def _palette(rows: pd.DataFrame) -> dict:
    import seaborn as sns

    methods = sorted(rows.method.unique())
    return dict(zip(methods, sns.color_palette(n_colors=len(methods))))


def _errorbars(grid, points: pd.DataFrame, x: str, row: str, palette: dict) -> bool:
    """± 1 standard error bars on ``points`` (columns x, value, stderr,
    method, ``row``, dataset) in each panel of ``grid`` where some standard
    error is not negligible; whether any were drawn."""
    if "stderr" not in points or not (points.stderr > 0).any():
        return False
    drawn = False
    for (row_name, col_name), ax in grid.axes_dict.items():
        panel = points[(points[row] == row_name) & (points.dataset == col_name)]
        span = np.ptp(panel.value) if len(panel) else 0.0
        if panel.empty or not (panel.stderr > NEGLIGIBLE * max(span, 1e-12)).any():
            continue
        for method, part in panel.groupby("method"):
            ax.errorbar(part[x], part.value, yerr=part.stderr.fillna(0), fmt="none", ecolor=palette[method],
                        elinewidth=0.8, capsize=1.5, alpha=0.8)
        drawn = True
    return drawn


def _seed_means(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds per (model, dataset, method, epoch), with the standard
    error of that mean from the per-seed SLQ standard errors."""
    keys = ["model", "dataset", "method", "epoch"]
    grouped = rows.groupby(keys)
    out = grouped.value.mean().to_frame()
    out["stderr"] = grouped.stderr.apply(lambda e: float(np.sqrt((e.fillna(0) ** 2).sum())) / len(e))
    return out.reset_index()


def measure_vs_epoch(table: pd.DataFrame, metric: str, t=None, layer: str = ACCURACY_LAYER):
    """Line per method: mean over seeds against epoch, band = ± 1 s.d."""
    import seaborn as sns

    rows = _select(table, metric, t, layer)
    palette = _palette(rows)
    grid = sns.relplot(rows, x="epoch", y="value", hue="method", row="model", col="dataset",
                       kind="line", errorbar="sd", height=2.6, aspect=1.3, palette=palette,
                       facet_kws={"sharey": False, "margin_titles": True})
    grid.set_axis_labels("epoch", _ylabel(metric, t))
    bars = "stderr" in rows and _errorbars(grid, _seed_means(rows), "epoch", "model", palette)
    note = "; bars: ± 1 SLQ standard error" if bars else ""
    grid.figure.suptitle(f"{_label(metric)} during training ({layer}{note})", y=1.02)
    return grid.figure


def measure_vs_accuracy(table: pd.DataFrame, metric: str, t=None, layer: str = ACCURACY_LAYER,
                        model_groups=None):
    """Scatter of every checkpoint (run × epoch): the measure against the
    accuracy of the same checkpoint; colour = method, marker = model."""
    import seaborn as sns

    data, row = _grouped(_select(with_accuracy(table), metric, t, layer), model_groups)
    palette = _palette(data)
    grid = sns.relplot(data, x="accuracy", y="value", hue="method", style="model", row=row,
                       col="dataset", kind="scatter", s=14, alpha=0.7, height=2.6, aspect=1.3, palette=palette,
                       facet_kws={"sharey": False, "margin_titles": True})
    grid.set_axis_labels("accuracy", _ylabel(metric, t))
    bars = _errorbars(grid, data, "accuracy", row, palette)
    note = "; bars: ± 1 SLQ standard error" if bars else ""
    grid.figure.suptitle(f"{_label(metric)} against accuracy ({layer}{note})", y=1.02)
    return grid.figure


DRAW = {"epoch": measure_vs_epoch, "accuracy": measure_vs_accuracy}
