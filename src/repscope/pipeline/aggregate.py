"""The experiment's tidy table (one row per run, epoch, layer, metric, t) and
the correlation of every measure with accuracy."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .registry import ACCURACY_LAYER

RUN_COLUMNS = ["run", "dataset", "model", "method", "seed", "epoch"]
KEY = ["layer", "metric", "t"]


def tidy(parts) -> pd.DataFrame:
    """Concatenate per-run tables (epoch, layer, metric, t, value[, stderr]) given
    as (Run, DataFrame) pairs, with the run's columns in front. ``stderr``: the
    standard error of a stochastic (SLQ) estimate, 0 where the value is exact,
    NaN where a table does not say."""
    frames = [df.assign(run=run.name, dataset=run.dataset, model=run.model, method=run.method,
                        seed=run.seed) for run, df in parts]
    table = pd.concat(frames, ignore_index=True)
    if "stderr" not in table:
        table["stderr"] = np.nan
    return table[RUN_COLUMNS + KEY + ["value", "stderr"]]


def with_accuracy(table: pd.DataFrame) -> pd.DataFrame:
    """The measures (not accuracy) with an ``accuracy`` column: the accuracy of
    the same run and epoch."""
    acc = table[(table.metric == "accuracy") & (table.layer == ACCURACY_LAYER)]
    acc = acc[["run", "epoch", "value"]].rename(columns={"value": "accuracy"})
    return table[table.metric != "accuracy"].merge(acc, on=["run", "epoch"], how="inner")


def _r(x: pd.Series, y: pd.Series, method: str) -> float:
    if len(x) < 3 or x.nunique() < 2 or y.nunique() < 2:
        return np.nan  # undefined for constant series
    return float(x.corr(y, method=method))


def correlations(table: pd.DataFrame) -> pd.DataFrame:
    """Pearson and Spearman correlation of each measure with accuracy over all
    epochs and seeds: per dataset × model × method, and pooled per dataset
    (model = method = "all"). Columns: dataset, model, method, layer, metric, t,
    n, pearson, spearman."""
    data = with_accuracy(table)
    pooled = data.assign(model="all", method="all")
    rows = []
    for keys, g in pd.concat([data, pooled]).groupby(["dataset", "model", "method"] + KEY, dropna=False,
                                                     sort=True):
        rows.append(dict(zip(["dataset", "model", "method"] + KEY, keys), n=len(g),
                         pearson=_r(g.value, g.accuracy, "pearson"),
                         spearman=_r(g.value, g.accuracy, "spearman")))
    return pd.DataFrame(rows)
