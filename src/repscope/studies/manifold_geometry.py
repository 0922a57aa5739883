"""S6 — manifold geometry per layer (MFTMA, the manifold tutorial, docs/sources.md): capacity, radius, dimension
and centre correlation of the class manifolds against layer depth, one line per
epoch."""
from __future__ import annotations

from ._common import line_grid
from ._layerwise import by_depth, needs, read_layers, runs_facet

__all__ = ["FIGURES", "needs", "run"]
LABELS = {"MFT_capacity": "capacity α_M", "MFT_radius": "radius R_M",
          "MFT_dimension": "dimension D_M", "MFT_correlation": "centre correlation"}


def run(cfg):
    return read_layers(cfg.study, [*LABELS, "MFT_removed"])


def draw(df):
    """Each measure against layer depth (input to output), one line per epoch."""
    d = by_depth(df[df.metric.isin(list(LABELS))])
    d = d.assign(measure=d.metric.map(LABELS))
    fig = line_grid(d, x="layer", hue="epoch", col="measure", row=runs_facet(d), sharey=False,
                    ylabel="")
    for ax in fig.axes:
        ax.tick_params(axis="x", labelrotation=30)
    return fig


FIGURES = {"manifold_geometry": draw}
