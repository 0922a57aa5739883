"""cka_similarity — how alike the layers' representations are, across epochs and across
layers (``docs/studies.md``): linear CKA of every layer with itself at the previous measured
epoch (a heat map of layer x epoch: where and when the representation still changes) and
between every pair of layers at the first and the last measured epoch. Read from the tables
of ``repscope layers`` (measure ``CKA``) for ``experiment.layerwise``."""
from __future__ import annotations

import numpy as np

from ._layerwise import by_depth, needs, read_layers

__all__ = ["FIGURES", "needs", "run"]


def run(cfg):
    return read_layers(cfg.study, ["CKA_layers", "CKA_previous"])


def _heatmaps(tables, titles, xlabel, ylabel):
    import matplotlib.pyplot as plt
    import seaborn as sns

    n = len(tables)
    height = 1.6 + 0.35 * max(len(t) for t in tables)
    fig, axes = plt.subplots(1, n, figsize=(1.5 + 0.55 * max(t.shape[1] for t in tables) * n + 1.5,
                                            height), squeeze=False)
    for i, (ax, table, title) in enumerate(zip(axes[0], tables, titles)):
        sns.heatmap(table, ax=ax, vmin=0, vmax=1, cmap="viridis", annot=table.shape[1] <= 12,
                    fmt=".2f", cbar=i == n - 1, cbar_kws={"label": "linear CKA"})
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel if i == 0 else "")
    fig.tight_layout()
    return fig


def draw_across_epochs(df):
    """Per run: CKA of each layer (rows, input to output) with the previous measured epoch
    (columns: the later epoch of the pair)."""
    d = by_depth(df[df.metric == "CKA_previous"])
    runs = sorted(d.run.unique())
    tables = [d[d.run == r].pivot_table(index="layer", columns="epoch", values="value",
                                        observed=True) for r in runs]
    return _heatmaps(tables, runs, "epoch (vs the previous measured one)", "layer")


def draw_across_layers(df):
    """CKA between every pair of layers at the first and the last measured epoch (of the
    first run)."""
    d = df[(df.metric == "CKA_layers") & (df.run == sorted(df.run.unique())[0])]
    d = d.assign(a=d.layer.str.split(">").str[0], b=d.layer.str.split(">").str[1])
    order = list(dict.fromkeys(d.sort_values("depth").a))
    tables, titles = [], []
    for epoch in (d.epoch.min(), d.epoch.max()):
        t = d[d.epoch == epoch].pivot_table(index="a", columns="b", values="value")
        tables.append(t.reindex(index=order, columns=order))
        titles.append(f"epoch {epoch}")
    return _heatmaps(tables, titles, "layer", "layer")


FIGURES = {"cka_across_epochs": draw_across_epochs, "cka_across_layers": draw_across_layers}
