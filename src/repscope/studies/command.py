"""`repscope study <name> [overrides] out=<table.parquet>` and
`repscope figure <name> <figname> in=<table.parquet> out=<stem>`.

Hydra overrides (``experiment=quick``, ``study.n_points=200``, …) pass through;
``out=``, ``in=`` and ``results=`` are this command's own keys. ``results``
(where a study finds the files it needs) defaults to the experiment's results
folder (:class:`repscope.layout.Layout`)."""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from omegaconf import open_dict

from ..config import split_args
from . import figure_study, load_study, study_config, study_name

log = logging.getLogger("repscope.study")
OWN_KEYS = ("out", "in", "results")


def _parse(argv, n_positional, usage, required):
    positional = list(argv[:n_positional])
    if len(positional) < n_positional or any("=" in a for a in positional):
        raise SystemExit(f"usage: {usage}")
    own, overrides = split_args(argv[n_positional:], OWN_KEYS)
    for key in required:
        if not own.get(key):
            raise SystemExit(f"missing {key}=...; usage: {usage}")
    return positional, own, overrides


def study(argv) -> int:
    """Run one study and write its tidy table atomically."""
    from ..io import save_table
    from ..schema.experiment import check_study

    usage = "repscope study <name> [hydra overrides] out=<table.parquet> [results=<dir>]"
    (name,), own, overrides = _parse(argv, 1, usage, ["out"])
    name = study_name(name)  # the alias (t1 …) names the same study
    out = Path(own["out"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    cfg = study_config(name, overrides, own.get("results"))
    check_study(name, cfg.study)
    cells = out.parent / f".{out.name}.cells"  # finished cells of a study stopped before its end
    with open_dict(cfg):
        cfg.study.cells_dir = str(cells)
    start = time.perf_counter()
    df = load_study(name).run(cfg)
    save_table(df, out)
    shutil.rmtree(cells, ignore_errors=True)
    log.info("study %s: %d rows in %.1f s -> %s", name, len(df), time.perf_counter() - start, out)
    return 0


def figure(argv) -> int:
    """Draw one figure of a study from its table: <stem>.pdf and <stem>.png."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from ..io import save_figure

    usage = "repscope figure <study> <figname> in=<table.parquet> out=<stem>"
    (name, figname), own, _ = _parse(argv, 2, usage, ["in", "out"])
    name = study_name(name)
    if figure_study(figname) != name:
        raise ValueError(f"figure {figname!r} belongs to study {figure_study(figname)!r}, not {name!r}")
    save_figure(load_study(name).FIGURES[figname](pd.read_parquet(own["in"])), own["out"])
    return 0
