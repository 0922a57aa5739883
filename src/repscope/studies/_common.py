"""What every study module shares: seeded generators per grid cell, a progress
bar over the grid, cells measured in worker processes, and the seaborn line grid
most figures are."""
from __future__ import annotations

import itertools
import math
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

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


_WORKER = {}


def _start_worker(setup, args) -> None:
    """A worker process: one thread (the workers share the job's cores), its own state."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    _WORKER["blas"] = threadpool_limits(1)  # numpy's and scipy's BLAS too, for the process's life
    _WORKER["state"] = setup(*args)


def _in_worker(measure, cell):
    return measure(cell, _WORKER["state"])


def measure_cells(measure, cells, *, workers: int, setup, args=(), cost=None, desc="cells") -> list:
    """The rows of every cell, in the order of ``cells``: ``measure(cell, state) -> [rows]``,
    ``state = setup(*args)`` made once per process (e.g. the estimators, warmed up).
    ``workers`` > 1: that many processes side by side, one thread each, the costliest
    cells (``cost(cell)``) first so the last ones to finish are short. A cell's rows must
    depend on the cell alone (its own generator), so they do not depend on ``workers``;
    ``measure`` and ``setup`` are module-level functions (sent to the workers)."""
    progress = dict(total=len(cells), desc=desc, mininterval=2.0)
    if workers == 1:
        state = setup(*args)
        return [row for cell in tqdm(cells, **progress) for row in measure(cell, state)]
    order = sorted(range(len(cells)), key=(lambda i: -cost(cells[i])) if cost else None)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(setup, args)) as pool:
        jobs = {i: pool.submit(_in_worker, measure, cells[i]) for i in order}
        for job in tqdm(as_completed(jobs.values()), **progress):
            job.result()  # a failure stops the study here
        return [row for i in range(len(cells)) for row in jobs[i].result()]


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
    with an optional dashed reference line (a number, or a column of df whose
    first value per panel is used)."""
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
                value = sub[hline].iloc[0]
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                ax.axhline(value, ls="--", color="grey", lw=1, label=hline_label)
    g.tight_layout()
    return g.figure
