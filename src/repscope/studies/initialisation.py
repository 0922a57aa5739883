"""S2 — initialisation: DSE of the penultimate features at initialisation
against the std of the conv weights (linear weights ~ N(0, linear_std)), and
— from the experiment's aggregated table — DSE over the first epochs and
accuracy over all epochs of runs started from two init scales. Expected: a
high-DSE initialisation dips, then recovers, and ends less accurate."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf, open_dict

from ..config import compose
from ..layout import Layout
from ..metrics import diffusion_spectral_entropy
from ._common import grid, line_grid

log = logging.getLogger(__name__)
def needs(s) -> list[Path]:
    return [Layout(s.results_dir).table] if s.training.models else []


def drawn(s) -> list[str]:
    """The training curves need init-variant runs (``study.training.models``)."""
    return list(FIGURES) if s.training.models else ["initialisation_dse_at_init"]


def _init_dse(cfg) -> list[dict]:
    from ..models import PENULTIMATE, build_network
    from ..training.context import RunContext
    from ..training.embedding import layer_features

    s = cfg.study
    base = compose([f"experiment={cfg.experiment.name}", f"dataset={s.dataset}", f"model={s.model}"])
    ctx = RunContext.build(base)
    x = ctx.dataset.x_test[ctx.eval_ids]
    rows, ts = [], list(s.t)
    for c in grid("S2 init", seed=s.seeds, std=s.conv_stds):
        (_, seed), (_, std) = c["seed"], c["std"]
        run_cfg = OmegaConf.create(OmegaConf.to_container(base))
        with open_dict(run_cfg):
            run_cfg.seed = int(seed)
            run_cfg.model.init = {"conv_std": float(std), "linear_std": float(s.linear_std)}
        ctx.net = build_network(run_cfg, ctx.pipeline.output_shape,
                                ctx.dataset.num_classes).to(ctx.device)
        Z = layer_features(ctx, x, [PENULTIMATE])[PENULTIMATE].astype(np.float64)
        h = diffusion_spectral_entropy(Z, sigma=s.sigma, t=ts, max_n=None)
        rows += [dict(part="init", dataset=s.dataset, model=s.model, seed=int(seed), conv_std=std,
                      t=t, metric="dse", value=float(v)) for t, v in zip(ts, h)]
    return rows


def _training(s) -> pd.DataFrame:
    tr = s.training
    if not tr.models:
        return pd.DataFrame()
    path = Layout(s.results_dir or ".").table
    if not path.exists():
        raise ValueError(f"study.training.models is set but {str(path)!r} does not exist; run "
                         "the experiment's aggregate rule first, or set study.training.models={}")
    t = pd.read_parquet(path)
    labels = dict(OmegaConf.to_container(tr.models))
    t = t[t.model.isin(list(labels)) & (t.layer == tr.layer)
          & t.metric.isin([tr.dse_metric, tr.accuracy_metric])]
    if t.empty:
        raise ValueError(f"{str(path)!r} has no rows for models {sorted(labels)} with metrics "
                         f"{tr.dse_metric!r}/{tr.accuracy_metric!r} on layer {tr.layer!r}")
    if "t" in t:
        t = t[t.t.isna() | (t.t == tr.t)]
    t = t[(t.metric != tr.dse_metric) | (t.epoch <= tr.dse_epochs)]  # DSE: the first epochs
    keep = ["dataset", "model", "method", "seed", "epoch", "metric", "value"]
    return t[keep].assign(part="training", init=t.model.map(labels),
                          metric=t.metric.map({tr.dse_metric: "dse", tr.accuracy_metric: "accuracy"}))


def run(cfg) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(_init_dse(cfg)), _training(cfg.study)], ignore_index=True)


def draw_dse_at_init(df):
    d = df[df.part == "init"]
    return line_grid(d, x="conv_std", hue="t", col="dataset", logx=True,
                     ylabel="DSE at initialisation (bits)")


def draw_training(df):
    import matplotlib.pyplot as plt
    import seaborn as sns

    d = df[df.part == "training"]
    if d.empty:
        raise ValueError("the S2 table has no training curves: the experiment trains no init "
                         "variants (study.training.models is empty), so initialisation_training is not drawn")
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    sns.lineplot(data=d[d.metric == "dse"], x="epoch", y="value", hue="init", style="dataset",
                 errorbar="sd", ax=axes[0])
    axes[0].set_ylabel("DSE (bits)")
    sns.lineplot(data=d[d.metric == "accuracy"], x="epoch", y="value", hue="init",
                 style="dataset", errorbar="sd", ax=axes[1])
    axes[1].set_ylabel("accuracy")
    fig.tight_layout()
    return fig


FIGURES = {"initialisation_dse_at_init": draw_dse_at_init, "initialisation_training": draw_training}
