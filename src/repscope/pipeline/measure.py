"""The measures of one checkpoint (study S1) per layer, plus accuracy, as tidy rows
(layer, metric, t, value). Which measures exist, what they need and how each is computed
is :mod:`repscope.pipeline.registry`; the settings come from ``conf/metrics/``; your own
measures are functions listed in ``metrics.custom``.

The diffusion measures of a layer share one distance matrix and bandwidth, and every t
comes from the same spectra (:func:`repscope.metrics.diffusion_spectral_measures`); X
enters through its cluster assignment, computed once per dataset."""
from __future__ import annotations

import numpy as np

from ..metrics.dsmi import diffusion_spectra, diffusion_spectral_measures, measures_from_spectra
from ..spectral.solver import Solver
from .registry import SPECTRAL, measure_registry


def measure_layer(Z, labels, x_clusters, m, device: str = "cpu", kept=None) -> list[dict]:
    """Rows {metric, t, value, stderr} of the requested ``m.measures`` (minus
    accuracy) for one layer's Z [N, D], the labels Y [N] and the clusters of
    X [N]. ``stderr`` is the standard error of a stochastic estimate (SLQ,
    ``metrics.solver``), 0 where the value is exact, NaN where it is unknown
    (custom measures, the neural bounds). With an exact solver DSE and DSMI come
    from the layer's spectra, for every t; ``kept`` (``get() -> spectra or None``,
    ``put(spectra)``; :mod:`repscope.pipeline.spectra`) keeps them between jobs."""
    wanted = list(m.measures)
    refs = {k: v for k, v in {"DSMI_Y": labels, "DSMI_X": x_clusters}.items() if k in wanted}
    rows = []
    if set(wanted) & set(SPECTRAL):
        ts = [float(t) for t in m.t]
        common = dict(dse="DSE" in wanted, n_repetitions=m.n_repetitions, seed=m.seed, sampling=m.sampling,
                      max_n=m.max_n)
        slv = Solver(**m.solver)
        if slv.use_slq(len(Z) if m.max_n is None else min(len(Z), m.max_n)):
            values = diffusion_spectral_measures(
                Z, refs, sigma=m.sigma, t=ts, knn_k=m.knn_k, backend=m.backend, dtype=m.dtype, device=device,
                solver=slv, return_stderr=True, **common)
        else:
            spectra = kept.get() if kept is not None else None
            if spectra is None:
                spectra = diffusion_spectra(Z, refs, sigma=m.sigma, knn_k=m.knn_k, backend=m.backend,
                                            dtype=m.dtype, device=device, **common)
                if kept is not None:
                    kept.put(spectra)
            values = measures_from_spectra(spectra, refs, len(Z), t=ts, return_stderr=True, **common)
        rows += [{"metric": k, "t": t, "value": float(v), "stderr": float(e)} for k in SPECTRAL
                 if k in values for t, v, e in zip(ts, *values[k])]
    registry = measure_registry(m)
    for name in wanted:
        entry = registry[name]
        if entry.compute is not None:
            rows.append({"metric": name, "t": np.nan,
                         "value": float(entry.compute(Z, labels, x_clusters, m, device)),
                         "stderr": 0.0 if entry.exact else np.nan})
    return rows


def select_layers(available, m) -> list[str]:
    """The layers of an embedding file to measure (``metrics.layers``)."""
    if m.layers == "all":
        return list(available)
    missing = [name for name in m.layers if name not in available]
    if missing:
        raise ValueError(f"metrics.layers: layer(s) {missing} are not in the embedding file; "
                         f"it has {list(available)}")
    return list(m.layers)
