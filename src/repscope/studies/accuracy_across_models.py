"""S3 — measures against accuracy across models: does DSMI(Z; Y), DSMI(Z; X)
or DSE(Z) predict a model's accuracy? Pearson and Spearman correlations over
many models.

``source: timm`` — pretrained timm models (names and their published top-1 /
top-5 in ``timm.models`` or a csv) on an ImageNet-style folder the user gives
(``timm.image_dir``); needs the weights and the images, so it runs only where
they are. ``source: pipeline`` — the offline analogue: every checkpoint this
experiment trained (run x epoch), read from the aggregated metrics table.

The table has one row per (item, measure) with the measure's value and the
item's accuracy (top-1 in ``accuracy``, top-5 in ``top5`` where known;
``statistic = 'point'``), plus one row per (group, measure, target, statistic)
for the Pearson and Spearman correlations with the top-1 and, where every item
has one, the top-5 accuracy (``target``), as the DSE authors plotted both."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf
from scipy import stats

from .._validate import check_choice
from ..layout import Layout

log = logging.getLogger(__name__)
SOURCES = ("pipeline", "timm")
def needs(s) -> list[Path]:
    """Files of the experiment this study reads."""
    return [Layout(s.results_dir).table] if s.source == "pipeline" else []


def _pipeline_points(s) -> pd.DataFrame:
    if s.results_dir is None:
        raise ValueError("study.results_dir is needed to find the aggregated metrics table "
                         "(repscope study passes it; or give results=<results/EXP>)")
    path = Layout(s.results_dir).table
    if not path.exists():
        raise ValueError(f"the aggregated metrics table {str(path)!r} does not exist; "
                         "run the experiment's aggregate rule first")
    t = pd.read_parquet(path)
    keys = ["run", "dataset", "epoch"]
    acc = (t[t.metric == s.accuracy_metric].groupby(keys, as_index=False).value.first()
           .rename(columns={"value": "accuracy"}))
    wanted = dict(OmegaConf.to_container(s.measures))
    m = t[(t.layer == s.layer) & t.metric.isin(list(wanted))]
    if "t" in m:
        m = m[m.t.isna() | (m.t == s.t)]
    if m.empty or acc.empty:
        raise ValueError(f"{str(path)!r} has no rows for layer {s.layer!r} with metrics "
                         f"{sorted(wanted)} and {s.accuracy_metric!r}; it has layers "
                         f"{sorted(t.layer.unique())} and metrics {sorted(t.metric.unique())}")
    m = m.merge(acc, on=keys)
    method = m["method"] if "method" in m else "?"
    return pd.DataFrame({"item": m.run + "@" + m.epoch.astype(str), "group": m.dataset,
                         "method": method, "measure": m.metric.map(wanted),
                         "value": m.value, "accuracy": m.accuracy, "top5": np.nan})


def _timm_models(s) -> pd.DataFrame:
    if s.timm.models_csv:
        models = pd.read_csv(s.timm.models_csv)
    else:
        models = pd.DataFrame(OmegaConf.to_container(s.timm.models))
    missing = {"model", "top1"} - set(models.columns)
    if models.empty or missing:
        raise ValueError("timm.models (or timm.models_csv) must list models with columns "
                         f"model, top1 (and optionally top5); got columns {list(models.columns)}")
    if "top5" not in models:
        models["top5"] = np.nan
    return models


def _timm_points(s) -> pd.DataFrame:
    from ..metrics import (cluster_reference, diffusion_spectral_entropy,
                           diffusion_spectral_mutual_information)
    from ..schema.groups import INTERPOLATIONS
    from .pretrained import CROPS, crop_batch, list_images, load_crops, model_features

    m = s.timm
    check_choice(m.crop, "study.timm.crop", CROPS)
    check_choice(m.interpolation, "study.timm.interpolation", INTERPOLATIONS)
    if not m.image_dir:
        raise ValueError("timm.image_dir must name an ImageNet-style folder (<class>/<image>) "
                         "for source=timm; got none")
    models = _timm_models(s)
    paths, labels, _ = list_images(m.image_dir, m.n_images, s.seed)
    items = load_crops(paths, m.n_crops, s.seed, m.crop)
    y = np.repeat(labels, len(items[0][1]))
    X = crop_batch(items, m.x_size, interpolation=m.interpolation).flatten(1).numpy()
    x_clusters = cluster_reference(X, "vector", m.x_clusters, s.seed)
    rows = []
    for model in models.itertuples():
        log.info("S3: %s", model.model)
        Z = model_features(model.model, items, pretrained=m.pretrained, batch_size=m.batch_size,
                           device=m.device, interpolation=m.interpolation)
        kw = dict(sigma=m.sigma, t=m.t, device=m.device, seed=s.seed)
        values = {"DSE(Z)": diffusion_spectral_entropy(Z, **kw),
                  "DSMI(Z;Y)": diffusion_spectral_mutual_information(Z, y, **kw).mi,
                  "DSMI(Z;X)": diffusion_spectral_mutual_information(Z, clusters=x_clusters,
                                                                     **kw).mi}
        rows += [dict(item=model.model, group="imagenet", method="pretrained", measure=k,
                      value=float(v), accuracy=float(model.top1), top5=float(model.top5))
                 for k, v in values.items()]
    return pd.DataFrame(rows)


TARGETS = {"top1": "accuracy", "top5": "top5"}  # correlation target -> column of the points


def correlations(points: pd.DataFrame) -> pd.DataFrame:
    """Pearson and Spearman correlation of each measure with the top-1 accuracy
    and, where every item has one, the top-5 accuracy (``target``), per group
    and over all groups ('all'); NaN with fewer than 3 items."""
    rows = []
    groups = [(g, d) for g, d in points.groupby("group")] + [("all", points)]
    for group, d in groups:
        for measure, dm in d.groupby("measure"):
            for target, column in TARGETS.items():
                acc = dm[column]
                if acc.isna().any():
                    continue
                ok = len(dm) >= 3 and dm.value.nunique() > 1 and acc.nunique() > 1
                for name, f in (("pearson", stats.pearsonr), ("spearman", stats.spearmanr)):
                    r = float(f(dm.value, acc)[0]) if ok else np.nan
                    rows.append(dict(group=group, measure=measure, target=target, statistic=name,
                                     value=r, n=len(dm)))
    return pd.DataFrame(rows)


def run(cfg) -> pd.DataFrame:
    s = cfg.study
    check_choice(s.source, "study.source", SOURCES)
    points = _pipeline_points(s) if s.source == "pipeline" else _timm_points(s)
    return pd.concat([points.assign(statistic="point"), correlations(points)], ignore_index=True)


def draw_measures_vs_accuracy(df):
    """Each measure (columns) against top-1 and, where known, top-5 accuracy
    (rows, per group), with the Pearson r and Spearman ρ in the titles."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    pts = df[df.statistic == "point"]
    corr = df[df.statistic != "point"].set_index(["group", "measure", "target", "statistic"]).value
    targets = [t for t, c in TARGETS.items() if c in pts and pts[c].notna().all()]
    rows = [(g, t) for g in sorted(pts.group.unique()) for t in targets]
    measures = sorted(pts.measure.unique())
    fig, axes = plt.subplots(len(rows), len(measures), squeeze=False,
                             figsize=(3.2 * len(measures), 2.8 * len(rows)))
    for i, (g, target) in enumerate(rows):
        for j, m in enumerate(measures):
            ax, d = axes[i, j], pts[(pts.group == g) & (pts.measure == m)]
            sns.scatterplot(data=d, x="value", y=TARGETS[target], hue="method", ax=ax, s=18,
                            legend=(i == 0 and j == len(measures) - 1))
            r = corr.get((g, m, target, "pearson"), np.nan)
            rho = corr.get((g, m, target, "spearman"), np.nan)
            ax.set_title(f"{g}: r = {r:.2f}, ρ = {rho:.2f}", fontsize=9)
            ax.set_xlabel(f"{m} (bits)")
            ax.set_ylabel(f"{target} accuracy")
    fig.tight_layout()
    return fig


FIGURES = {"accuracy_across_models": draw_measures_vs_accuracy}
