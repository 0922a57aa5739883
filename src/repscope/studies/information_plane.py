"""S5 — the information plane (Schwartz-Ziv & Tishby 2017): per hooked layer, the
trajectory over epochs of (I(X; T), I(T; Y)) from binned activations, beside the
diffusion-spectral version (DSMI(T; X), DSMI(T; Y)). Binned I(X; T) saturates at
log2 N once every sample has its own bin, which wide layers reach at once."""
from __future__ import annotations

from ._layerwise import by_depth, needs, read_layers

__all__ = ["FIGURES", "needs", "run"]
PLANES = {"binned": ("I_XT", "I_TY"), "DSMI": ("DSMI_X", "DSMI_Y")}


def run(cfg):
    df = read_layers(cfg.study, ["I_XT", "I_TY", "DSMI_X", "DSMI_Y"])
    return df[df.t.isna() | (df.t == cfg.study.t)]


def draw(df):
    """One panel per plane (and run): a line per layer through its epochs, the
    points coloured by epoch."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    d = by_depth(df)
    planes = [p for p, (x, y) in PLANES.items() if {x, y} <= set(d.metric)]
    runs = sorted(d.run.unique())
    fig, axes = plt.subplots(len(runs), len(planes), figsize=(4.2 * len(planes), 3.6 * len(runs)),
                             squeeze=False)
    norm = Normalize(d.epoch.min(), max(d.epoch.max(), d.epoch.min() + 1))
    markers = dict(zip(d.layer.cat.categories, "osD^vP*Xph"))
    for r, run_name in enumerate(runs):
        for c, plane in enumerate(planes):
            ax, (mx, my) = axes[r, c], PLANES[plane]
            wide = (d[(d.run == run_name) & d.metric.isin([mx, my])]
                    .pivot_table(index=["layer", "epoch"], columns="metric", values="value",
                                 observed=True).reset_index().sort_values(["layer", "epoch"]))
            for layer, pts in wide.groupby("layer", observed=True):
                ax.plot(pts[mx], pts[my], color="0.7", lw=1, zorder=1)
                sc = ax.scatter(pts[mx], pts[my], c=pts.epoch, cmap="viridis", norm=norm,
                                marker=markers.get(layer, "o"), s=28, zorder=2, label=str(layer))
            ax.set_xlabel(f"{'I(X;T)' if plane == 'binned' else 'DSMI(T;X)'} (bits)")
            ax.set_ylabel(f"{'I(T;Y)' if plane == 'binned' else 'DSMI(T;Y)'} (bits)")
            ax.set_title(f"{plane}" + (f" — {run_name}" if len(runs) > 1 else ""), fontsize=9)
            ax.legend(fontsize=7, title="layer", title_fontsize=7, markerscale=0.8)
    fig.colorbar(sc, ax=axes.ravel().tolist(), label="epoch")
    return fig


FIGURES = {"information_plane": draw}
