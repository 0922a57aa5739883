"""layer_dynamics — study S1 layer by layer (``docs/studies.md``): DSE(T), DSMI(T; Y) and
DSMI(T; X) of every hooked layer T against epoch, the DSE authors' block-by-block view of
training. Read from the tables of ``repscope layers`` (measure ``info_plane`` with
``layers.info_plane.dsmi``) for ``experiment.layerwise``; runs that differ only in their seed
are averaged (mean ± s.d. over seeds, as the other S1 figures)."""
from __future__ import annotations

import pandas as pd

from ._common import line_grid
from ._layerwise import by_depth, needs, read_layers

__all__ = ["FIGURES", "needs", "run"]
MEASURES = {"DSE": "DSE(T)", "DSMI_Y": "DSMI(T; Y)", "DSMI_X": "DSMI(T; X)"}


def run(cfg):
    """The layer tables' DSE / DSMI rows at diffusion time ``study.t``, with each run's
    ``config`` (its name without the seed) and ``seed``."""
    df = read_layers(cfg.study, list(MEASURES))
    df = df[df.t == float(cfg.study.t)]
    if df.empty:
        raise ValueError(f"study.t={cfg.study.t}: the layer tables have no DSE/DSMI rows at this "
                         "diffusion time (it must be one of metrics.t)")
    parts = df.run.str.extract(r"^(?P<config>.+)-s(?P<seed>\d+)$")  # <dataset>-<model>-<method>-s<seed>
    return df.assign(config=parts.config.fillna(df.run),
                     seed=pd.to_numeric(parts.seed)).reset_index(drop=True)


def draw(df):
    """One panel per measure (columns; rows: the run configurations when there are several),
    one line per layer through the epochs: the mean over seeds, shaded ± s.d."""
    d = by_depth(df).assign(measure=lambda x: x.metric.map(MEASURES))
    d["measure"] = d.measure.astype("category").cat.set_categories(
        [m for k, m in MEASURES.items() if k in set(df.metric)], ordered=True)
    split = "/".join(sorted(d.split.unique()))
    return line_grid(d.sort_values("measure"), x="epoch", hue="layer", col="measure",
                     row="config" if d.config.nunique() > 1 else None, sharey=False,
                     ylabel=f"bits ({split} split)")


FIGURES = {"layer_dse_dsmi_vs_epoch": draw}
