"""What the layer-wise studies S4-S7 share: the tables `repscope layers` wrote
for the runs and epochs of ``experiment.layerwise`` (their ``needs``), read
into one tidy frame, and the depth-ordered layer axis of their figures."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..layerwise import layerwise_selection
from ..layout import Layout


def _selection(s):
    runs, epochs = layerwise_selection(s.layerwise, s.last_epoch, s.checkpoint_every)
    if not runs:
        raise ValueError("this study reads the layer-wise tables, but the experiment has no "
                         "experiment.layerwise block (runs and epochs to measure)")
    return runs, epochs


def needs(s) -> list[Path]:
    """The experiment's layer tables (empty without a layerwise block)."""
    if s.layerwise is None:
        return []
    return [_table(s, run, e) for run, e in _pairs(s)]


def _table(s, run, epoch) -> Path:
    return Layout(s.results_dir).run(run).layers(epoch)


def _pairs(s):
    runs, epochs = _selection(s)
    return [(run, e) for run in runs for e in epochs]


def read_layers(s, metrics) -> pd.DataFrame:
    """Rows of ``metrics`` (names, or prefixes ending in '_') from every layer
    table of the study, with columns run and epoch added."""
    if s.results_dir is None:
        raise ValueError("study.results_dir is needed to find the layer tables "
                         "(repscope study passes it; or give results=<results/EXP>)")
    parts = []
    for run, epoch in _pairs(s):
        path = _table(s, run, epoch)
        if not path.exists():
            raise ValueError(f"the layer table {str(path)!r} does not exist; run the experiment's "
                             "layers rule first")
        df = pd.read_parquet(path)
        prefixes = tuple(m for m in metrics if m.endswith("_"))
        keep = df.metric.isin(metrics) | df.metric.str.startswith(prefixes)
        parts.append(df[keep].assign(run=run, epoch=epoch))
    out = pd.concat(parts, ignore_index=True)
    if out.empty:
        raise ValueError(f"the layer tables have no rows for {list(metrics)}; check layers.measures")
    return out


def by_depth(df) -> pd.DataFrame:
    """``df`` with ``layer`` an ordered categorical (by depth), so that legends
    and axes list the layers from input to output."""
    order = list(df.sort_values("depth").drop_duplicates("layer").layer)
    return df.assign(layer=pd.Categorical(df.layer, categories=order, ordered=True))


def runs_facet(df):
    """``"run"`` as a facet when the study covers several runs, else None."""
    return "run" if df.run.nunique() > 1 else None
