"""What every study module shares: seeded generators per grid cell, a progress
bar over the grid, and the seaborn line grid most figures are (cells measured in
worker processes: :mod:`repscope.studies.cells`)."""
from __future__ import annotations

import itertools
import math

import numpy as np
from tqdm.auto import tqdm


def cell_rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for one grid cell (seed, repetition, indices)."""
    return np.random.default_rng([int(seed), *map(int, keys)])


def grid(desc: str, **axes):
    """Every combination of the named axes, as dicts of (index, value) pairs,
    with a tqdm progress bar (to stderr, so it lands in the rule's log)."""
    names = list(axes)
    combos = list(itertools.product(*(list(enumerate(axes[n])) for n in names)))
    for combo in tqdm(combos, desc=desc, mininterval=2.0):
        yield dict(zip(names, combo))


def evenly(start, stop, num, integer=False) -> list:
    """``num`` values evenly from start to stop; ``integer``: truncated towards
    zero and deduplicated, as ``np.linspace(..., dtype=int)`` in the DSE
    authors' scripts (so T1's and T4's dimensions are theirs)."""
    v = np.linspace(start, stop, int(num))
    if integer:
        return sorted({int(x) for x in v})
    return [float(x) for x in v]


def line_grid(df, *, x, y="value", hue=None, style=None, row=None, col=None, logx=False,
              logy=False, hline=None, hline_label=None, sharey=True, ylabel=None):
    """A seaborn relplot of lines (mean ± sd over repetitions) as a Figure,
    with an optional dashed grey reference line: a number, or a column of df —
    horizontal where the column is constant in a panel, else its mean against x
    (e.g. a known truth that changes along x)."""
    import seaborn as sns

    g = sns.relplot(data=df, x=x, y=y, hue=hue, style=style, row=row, col=col, kind="line",
                    errorbar="sd", marker="o", markersize=4, height=2.6, aspect=1.25,
                    facet_kws={"sharey": sharey, "margin_titles": True}, palette="viridis"
                    if hue is not None and df[hue].dtype.kind in "if" else None)
    if logx:
        g.set(xscale="log")
    if logy:
        g.set(yscale="log")
    if ylabel:
        g.set_ylabels(ylabel)
    if hline is not None:
        for key, ax in g.axes_dict.items():
            value = hline
            if isinstance(hline, str):
                sub = df
                keys = key if isinstance(key, tuple) else (key,)
                for facet, k in zip([f for f in (row, col) if f], keys):
                    sub = sub[sub[facet] == k]
                if sub.empty:
                    continue
                if sub[hline].nunique() > 1:
                    ref = sub.groupby(x)[hline].mean()
                    ax.plot(ref.index, ref.to_numpy(), ls="--", color="grey", lw=1, label=hline_label)
                    continue
                value = sub[hline].iloc[0]
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                ax.axhline(value, ls="--", color="grey", lw=1, label=hline_label)
    g.tight_layout()
    return g.figure
