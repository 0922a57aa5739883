"""``repscope training-figures``: the S1 figures of an experiment from its tidy table."""
from __future__ import annotations

from pathlib import Path


def training_figures(argv) -> None:
    """repscope training-figures experiment=<name> in=<metrics.parquet> out_dir=<folder>

    Every S1 figure of the experiment (each measure against epoch and against
    accuracy) as <out_dir>/<figure>.pdf and .png."""
    import pandas as pd
    from omegaconf import OmegaConf
    from tqdm.auto import tqdm

    from ..io import save_figure
    from ..pipeline.commands import _args
    from ..pipeline.plan import load_plan
    from .training import DRAW

    own, _ = _args(argv, ("experiment", "in", "out_dir"), training_figures.__doc__.splitlines()[0])
    plan = load_plan(own["experiment"])
    table = pd.read_parquet(own["in"])
    groups = plan.cfg.experiment.get("model_groups")
    groups = None if groups is None else OmegaConf.to_container(groups)
    for name, fig in tqdm(plan.figures.items(), desc="figures", unit="figure"):
        kwargs = {"model_groups": groups} if fig.kind == "accuracy" else {}
        save_figure(DRAW[fig.kind](table, fig.metric, fig.t, **kwargs), Path(own["out_dir"]) / name)
