"""S7 — ablation importance and modularity (seed 003). At the final epoch every
neuron of a layer is ablated (set to zero) and, as the control, as many random
unit directions are projected out; the curves show the KL divergence of the
ablated output distribution from the original, sorted. The heatmap shows the
three binned modularity comparisons for random neuron modules of consecutive
layers, untrained (epoch 0) against trained (final epoch)."""
from __future__ import annotations

import numpy as np

from ._layerwise import by_depth, needs, read_layers

__all__ = ["FIGURES", "needs", "run"]
COMPARISONS = {"modularity_C1": "C1: H(T2[P]|T1[¬P]) − H(T2[P])",
               "modularity_C2": "C2: H(T2[P]|T1) − H(T2[P]|T1[P])",
               "modularity_C3": "C3: H(T2[P]|T1) − H(T2[P]|T1[¬P])"}


def run(cfg):
    return read_layers(cfg.study, ["ablation_", "modularity_"])


def draw_ablation(df):
    """Per layer (and run): KL(original || ablated) of each unit, sorted from the
    most important, neurons against random directions (log scale)."""
    import matplotlib.pyplot as plt

    d = by_depth(df[df.metric.str.startswith("ablation_KL_")])
    panels = [(run, layer) for run in sorted(d.run.unique()) for layer in d.layer.cat.categories
              if ((d.run == run) & (d.layer == layer)).any()]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 3.0), squeeze=False)
    for ax, (run, layer) in zip(axes[0], panels):
        sub = d[(d.run == run) & (d.layer == layer)]
        for metric, label, color in (("ablation_KL_neuron", "neurons", "C3"),
                                     ("ablation_KL_direction", "random directions", "0.5")):
            v = np.sort(sub[sub.metric == metric].value.to_numpy())[::-1]
            ax.plot(np.arange(1, len(v) + 1), np.maximum(v, 1e-12), color=color, label=label)
        ax.set_yscale("log")
        ax.set_title(f"{layer}" + (f" — {run}" if d.run.nunique() > 1 else ""), fontsize=9)
        ax.set_xlabel("rank")
    axes[0, 0].set_ylabel("KL(p || p_ablated) (bits)")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def draw_modularity(df):
    """Mean comparison per layer pair, untrained (first epoch) and trained (last)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    d = df[df.metric.isin(list(COMPARISONS))]
    states = {"untrained": d.epoch.min(), "trained": d.epoch.max()}
    tables = {name: (d[d.epoch == e].groupby(["metric", "layer"], sort=False).value.mean()
                     .unstack("layer").reindex(list(COMPARISONS)).rename(index=COMPARISONS))
              for name, e in states.items()}
    lim = max(float(np.nanmax(np.abs(t.to_numpy()))) for t in tables.values()) or 1.0
    width = 1.4 * len(tables["trained"].columns) + 1.5
    fig, axes = plt.subplots(1, 2, figsize=(3.5 + 2 * width, 3.4), sharey=True)
    for ax, (name, table) in zip(axes, tables.items()):
        sns.heatmap(table, ax=ax, cmap="RdBu_r", vmin=-lim, vmax=lim, annot=True, fmt=".3f",
                    cbar=ax is axes[-1], cbar_kws={"label": "bits"})
        ax.set_title(f"{name} (epoch {states[name]})", fontsize=9)
        ax.set_xlabel("layer pair (T1 > T2)")
        ax.tick_params(axis="x", labelrotation=20, labelsize=8)
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


FIGURES = {"s7_ablation_curves": draw_ablation, "s7_modularity": draw_modularity}
