"""S7 — ablation importance and modularity (the modularity notebook, docs/sources.md). At the final epoch every
neuron of a layer is ablated (set to zero) and, as the control, as many random
unit directions are projected out; the curves show the KL divergence of the
ablated output distribution from the original, sorted, and beside it the
change of the output entropy. The heatmap shows the
three binned modularity comparisons for random neuron modules of every pair of
layers (logits included, as the modularity notebook (docs/sources.md)), untrained (epoch 0) against
trained (final epoch)."""
from __future__ import annotations

import numpy as np

from ._layerwise import by_depth, needs, read_layers

__all__ = ["FIGURES", "needs", "run"]
COMPARISONS = {"modularity_C1": "C1: H(T2[P]|T1[¬P]) − H(T2[P])",
               "modularity_C2": "C2: H(T2[P]|T1) − H(T2[P]|T1[P])",
               "modularity_C3": "C3: H(T2[P]|T1) − H(T2[P]|T1[¬P])"}


def run(cfg):
    return read_layers(cfg.study, ["ablation_", "modularity_"])


CURVES = {"KL": ("KL(p || p_ablated) (bits)", True), "dH": ("output entropy change H(q) − H(p) (bits)", False)}


def draw_ablation(df):
    """Per layer (and run, columns): the KL divergence of the ablated output
    distribution from the original (top, log scale) and the output entropy
    change (bottom) of each unit, sorted from the largest, neurons against
    random directions."""
    import matplotlib.pyplot as plt

    d = by_depth(df[df.metric.str.startswith("ablation_")])
    panels = [(run, layer) for run in sorted(d.run.unique()) for layer in d.layer.cat.categories
              if ((d.run == run) & (d.layer == layer)).any()]
    fig, axes = plt.subplots(len(CURVES), len(panels), figsize=(3.4 * len(panels), 5.6),
                             squeeze=False)
    for col, (run, layer) in enumerate(panels):
        sub = d[(d.run == run) & (d.layer == layer)]
        for row, (measure, (ylabel, log)) in enumerate(CURVES.items()):
            ax = axes[row, col]
            for kind, label, color in (("neuron", "neurons", "C3"),
                                       ("direction", "random directions", "0.5")):
                v = np.sort(sub[sub.metric == f"ablation_{measure}_{kind}"].value.to_numpy())[::-1]
                ax.plot(np.arange(1, len(v) + 1), np.maximum(v, 1e-12) if log else v, color=color,
                        label=label)
            if log:
                ax.set_yscale("log")
                ax.set_title(f"{layer}" + (f" — {run}" if d.run.nunique() > 1 else ""), fontsize=9)
            else:
                ax.axhline(0.0, color="grey", lw=0.8, ls=":")
                ax.set_xlabel("rank")
            if col == 0:
                ax.set_ylabel(ylabel, fontsize=8)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def draw_modularity(df):
    """Mean comparison per layer pair (rows) and comparison
    (columns), untrained (first epoch) and trained (last)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    d = df[df.metric.isin(list(COMPARISONS))]
    pairs = list(dict.fromkeys(d.layer))  # as `repscope layers` lists them: by T1, then T2, in depth
    states = {"untrained": d.epoch.min(), "trained": d.epoch.max()}
    tables = {name: (d[d.epoch == e].groupby(["layer", "metric"]).value.mean().unstack("metric")
                     .reindex(index=pairs, columns=list(COMPARISONS)))
              for name, e in states.items()}
    lim = max(float(np.nanmax(np.abs(t.to_numpy()))) for t in tables.values()) or 1.0
    fig, axes = plt.subplots(1, 2, figsize=(10, 1.6 + 0.42 * len(pairs)), sharey=True)
    for ax, (name, table) in zip(axes, tables.items()):
        sns.heatmap(table.rename(columns=lambda m: m.split("_")[-1]), ax=ax, cmap="RdBu_r",
                    vmin=-lim, vmax=lim, annot=True, fmt=".3f", cbar=ax is axes[-1],
                    cbar_kws={"label": "bits"})
        ax.set_title(f"{name} (epoch {states[name]})", fontsize=9)
        ax.set_xlabel("")
        ax.set_ylabel("layer pair (T1 > T2)" if ax is axes[0] else "")
        ax.tick_params(axis="y", labelrotation=0, labelsize=8)
    fig.text(0.01, 0.005, "   ".join(COMPARISONS.values()), fontsize=7)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


FIGURES = {"ablation_curves": draw_ablation, "modularity": draw_modularity}
