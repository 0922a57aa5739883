"""S4 — neural collapse and decodable information per layer (the thesis, docs/sources.md): NC1 on the
training and test splits, V-sufficiency I_V(Z -> Y) and the decodable
information about the nuisance digits, per hooked layer against epoch."""
from __future__ import annotations

import numpy as np

from ._common import line_grid
from ._layerwise import by_depth, needs, read_layers, runs_facet

__all__ = ["FIGURES", "needs", "run"]
DIB = {"DIB_sufficiency": ("sufficiency I_V(Z→Y)", "H_Y"),
       "DIB_nuisance": ("nuisance information", "H_nuisance")}


def run(cfg):
    return read_layers(cfg.study, ["NC1", *DIB, "H_Y", "H_nuisance"])


def draw_nc1(df):
    """NC1 per layer against epoch (log scale), one panel per split."""
    d = by_depth(df[df.metric == "NC1"])
    return line_grid(d, x="epoch", hue="layer", col="split", row=runs_facet(d), logy=True,
                     ylabel="NC1 = tr(Σ_W Σ_B⁺) / C")


def draw_decodable(df):
    """Sufficiency and nuisance information per layer against epoch; dashed: the
    entropy of the target (all there is to decode)."""
    d = by_depth(df[df.metric.isin(list(DIB))])
    ceilings = df[df.metric.isin(["H_Y", "H_nuisance"])].groupby("metric").value.first()
    d = d.assign(ceiling=d.metric.map({k: ceilings.get(h, np.nan) for k, (_, h) in DIB.items()}),
                 measure=d.metric.map({k: label for k, (label, _) in DIB.items()}))
    return line_grid(d, x="epoch", hue="layer", col="measure", row=runs_facet(d), hline="ceiling",
                     hline_label="entropy", sharey=False, ylabel="decodable information (bits)")


FIGURES = {"collapse_nc1": draw_nc1, "decodable_information": draw_decodable}
