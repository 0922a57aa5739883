"""Study S1 figures: each measure against epoch (mean ± s.d. over seeds) and
against accuracy (the DSE paper's main-figure layout), colour = method,
facets dataset (columns) × model or model group (rows)."""
from __future__ import annotations

import pandas as pd

from ..pipeline.aggregate import with_accuracy
from ..pipeline.measure import ACCURACY_LAYER
from ..pipeline.registry import MEASURES


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


def measure_vs_epoch(table: pd.DataFrame, metric: str, t=None, layer: str = ACCURACY_LAYER):
    """Line per method: mean over seeds against epoch, band = ± 1 s.d."""
    import seaborn as sns

    rows = _select(table, metric, t, layer)
    grid = sns.relplot(rows, x="epoch", y="value", hue="method", row="model", col="dataset",
                       kind="line", errorbar="sd", height=2.6, aspect=1.3,
                       facet_kws={"sharey": False, "margin_titles": True})
    grid.set_axis_labels("epoch", _ylabel(metric, t))
    grid.figure.suptitle(f"{_label(metric)} during training ({layer})", y=1.02)
    return grid.figure


def measure_vs_accuracy(table: pd.DataFrame, metric: str, t=None, layer: str = ACCURACY_LAYER,
                        model_groups=None):
    """Scatter of every checkpoint (run × epoch): the measure against the
    accuracy of the same checkpoint; colour = method, marker = model."""
    import seaborn as sns

    data, row = _grouped(_select(with_accuracy(table), metric, t, layer), model_groups)
    grid = sns.relplot(data, x="accuracy", y="value", hue="method", style="model", row=row,
                       col="dataset", kind="scatter", s=14, alpha=0.7, height=2.6, aspect=1.3,
                       facet_kws={"sharey": False, "margin_titles": True})
    grid.set_axis_labels("accuracy", _ylabel(metric, t))
    grid.figure.suptitle(f"{_label(metric)} against accuracy ({layer})", y=1.02)
    return grid.figure


DRAW = {"epoch": measure_vs_epoch, "accuracy": measure_vs_accuracy}
