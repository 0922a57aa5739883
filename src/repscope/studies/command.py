"""`repscope study <name> [overrides] out=<table.parquet>` and
`repscope figure <name> <figname> in=<table.parquet> out=<stem>`.

Hydra overrides (``experiment=quick``, ``study.n_points=200``, …) pass through;
``out=``, ``in=`` and ``results=`` are this command's own keys. ``results``
(where a study finds the files it ``needs``) defaults to the folder two levels
above ``out`` (``results/<exp>/studies/x.parquet`` -> ``results/<exp>``)."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from . import figure_study, load_study, study_config

log = logging.getLogger("repscope.study")
OWN_KEYS = ("out", "in", "results")


def _split(argv, n_positional, usage):
    if len(argv) < n_positional or any("=" in a for a in argv[:n_positional]):
        raise SystemExit(f"usage: {usage}")
    own, overrides = {}, []
    for item in argv[n_positional:]:
        key, _, value = item.partition("=")
        if key in OWN_KEYS:
            own[key] = value
        else:
            overrides.append(item)
    return list(argv[:n_positional]), own, overrides


def _require(own, key, usage):
    if not own.get(key):
        raise SystemExit(f"missing {key}=...; usage: {usage}")
    return own[key]


def study(argv) -> int:
    """Run one study and write its tidy table atomically."""
    from ..io import save_table

    usage = "repscope study <name> [hydra overrides] out=<table.parquet> [results=<dir>]"
    (name,), own, overrides = _split(argv, 1, usage)
    out = Path(_require(own, "out", usage))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    cfg = study_config(name, overrides, own.get("results", out.parent.parent))
    start = time.perf_counter()
    df = load_study(name).run(cfg)
    save_table(df, out)
    log.info("study %s: %d rows in %.1f s -> %s", name, len(df), time.perf_counter() - start, out)
    return 0


def figure(argv) -> int:
    """Draw one figure of a study from its table: <stem>.pdf and <stem>.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ..io import atomic_path

    usage = "repscope figure <study> <figname> in=<table.parquet> out=<stem>"
    (name, figname), own, _ = _split(argv, 2, usage)
    if figure_study(figname) != name:
        raise ValueError(f"figure {figname!r} belongs to study {figure_study(figname)!r}, not {name!r}")
    df = pd.read_parquet(_require(own, "in", usage))
    fig = load_study(name).FIGURES[figname](df)
    stem = Path(_require(own, "out", usage))
    for ext in ("pdf", "png"):
        path = stem.with_name(f"{stem.name}.{ext}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return 0
