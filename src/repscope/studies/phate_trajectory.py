"""phate_trajectory — PHATE maps of the embeddings along training (``docs/studies.md``): for
each listed run and epoch, the cached representations of one layer embedded in two
dimensions by PHATE (Moon et al. 2019), coloured by label, so the reader sees the classes
separate (or not) as DSE and DSMI change. Reads the verified embedding cache."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..io import load_embeddings
from ..layout import Layout


def check(s) -> None:
    """The listed runs and epochs and the map's settings, when the workflow is planned."""
    if not s.runs or not s.epochs:
        raise ValueError("study.runs and study.epochs must list the runs and epochs to map")
    evaluated = s.evaluated_epochs
    for e in s.epochs:
        if isinstance(e, bool) or not isinstance(e, int) or not 0 <= e <= s.last_epoch or (
                evaluated is not None and e not in evaluated):
            raise ValueError(f"study.epochs must be evaluated epochs (experiment.eval_epochs, or "
                             f"0..{s.last_epoch}); got {e!r}")
    if not isinstance(s.n_points, int) or s.n_points < 3 or not isinstance(s.knn, int) or s.knn < 1:
        raise ValueError(f"study.n_points must be an integer >= 3 and study.knn >= 1; got "
                         f"{s.n_points!r}, {s.knn!r}")


def needs(s) -> list[Path]:
    """The embedding files of the listed runs and epochs of the experiment (a wrong run name
    is a file no rule makes)."""
    return [Layout(s.results_dir).run(run).embedding(e) for run in s.runs for e in s.epochs]


def _points(s, run, epoch):
    if s.results_dir is None:
        raise ValueError("study.results_dir is needed to find the embeddings "
                         "(repscope study passes it; or give results=<results/EXP>)")
    emb = load_embeddings(Layout(s.results_dir).run(run).embedding(epoch))
    if s.layer not in emb.layers:
        raise ValueError(f"study.layer={s.layer!r} is not cached for run {run}; it has "
                         f"{list(emb.layers)}")
    return emb.layers[s.layer], emb.labels


def run(cfg) -> pd.DataFrame:
    import phate

    s = cfg.study
    needs(s)
    rows = []
    for run in s.runs:
        for epoch in s.epochs:
            Z, labels = _points(s, run, epoch)
            keep = np.random.default_rng(s.seed).permutation(len(Z))[:s.n_points]
            op = phate.PHATE(n_components=2, knn=s.knn, random_state=s.seed, n_jobs=1,
                             verbose=False)
            xy = op.fit_transform(np.asarray(Z[keep], dtype=np.float64))
            rows.append(pd.DataFrame({"run": run, "epoch": epoch, "point": keep,
                                      "label": labels[keep], "phate1": xy[:, 0],
                                      "phate2": xy[:, 1]}))
    return pd.concat(rows, ignore_index=True)


def draw(df):
    """Rows: runs; columns: epochs; points coloured by label."""
    import matplotlib.pyplot as plt

    runs, epochs = sorted(df.run.unique()), sorted(df.epoch.unique())
    fig, axes = plt.subplots(len(runs), len(epochs), figsize=(2.4 * len(epochs), 2.4 * len(runs)),
                             squeeze=False)
    for i, run in enumerate(runs):
        for j, epoch in enumerate(epochs):
            ax = axes[i, j]
            d = df[(df.run == run) & (df.epoch == epoch)]
            ax.scatter(d.phate1, d.phate2, c=d.label, cmap="tab10", s=4, linewidths=0)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"epoch {epoch}", fontsize=9)
            if j == 0:
                ax.set_ylabel(run, fontsize=8)
    fig.tight_layout()
    return fig


FIGURES = {"phate_trajectory": draw}
