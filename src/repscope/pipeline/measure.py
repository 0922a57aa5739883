"""The measures of one checkpoint (study S1) per layer, plus accuracy, as tidy rows
(layer, metric, t, value). Which measures exist, what they need and how each is computed
is :mod:`repscope.pipeline.registry`; the settings come from ``conf/metrics/``; your own
measures are functions listed in ``metrics.custom``.

The diffusion measures of a layer share one distance matrix and bandwidth, and every t
comes from the same spectra (:func:`repscope.metrics.diffusion_spectral_measures`); X
enters through its cluster assignment, computed once per dataset."""
from __future__ import annotations

import importlib
import numbers

import numpy as np

from .._validate import MAX_T, check_choice, check_positive
from ..metrics.dsmi import diffusion_spectra, diffusion_spectral_measures, measures_from_spectra
from ..metrics.sampling import SAMPLING
from ..spectral import ADJACENCY_KINDS, BACKENDS, BANDWIDTH_RULES, DTYPES
from ..spectral.solver import Solver
from .registry import EMBEDDING, MEASURES, SPECTRAL, Measure, custom, in_scope


def custom_measures(m) -> dict[str, Measure]:
    """{name: registry entry} of ``metrics.custom`` ("package.module:function" specs)."""
    out = {}
    for name, spec in (m.get("custom") or {}).items():
        if name in MEASURES:
            raise ValueError(f"metrics.custom: {name!r} is a built-in measure; choose another name")
        if not isinstance(spec, str) or spec.count(":") != 1:
            raise ValueError(f"metrics.custom.{name} must be 'package.module:function'; got {spec!r}")
        module, func = spec.split(":")
        try:
            out[name] = custom(name, getattr(importlib.import_module(module), func))
        except (ImportError, AttributeError) as err:
            raise ValueError(f"metrics.custom.{name}: cannot import {spec!r} ({err})") from None
    return out


def measure_registry(m) -> dict[str, Measure]:
    """The built-in measures and this experiment's custom ones."""
    return {**MEASURES, **custom_measures(m)}


def _validate_peers(p) -> None:
    for key in ("ksg_k", "knn_k", "n_folds"):
        check_positive(p[key], f"metrics.peers.{key}", integer=True)
    check_positive(p.probe_C, "metrics.peers.probe_C")
    check_choice(p.adjacency, "metrics.peers.adjacency", ADJACENCY_KINDS)
    allowed = {"hidden", "steps", "batch_size", "lr"}
    unknown = sorted(set(p.neural) - allowed)
    if unknown:
        raise ValueError(f"metrics.peers.neural: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    for key in ("hidden", "steps", "batch_size"):
        check_positive(p.neural[key], f"metrics.peers.neural.{key}", integer=True)
    check_positive(p.neural.lr, "metrics.peers.neural.lr")


def validate_metrics(m) -> None:
    """Check ``cfg.metrics`` before any work; ValueError naming the key."""
    measures = list(m.measures)
    allowed = in_scope(measure_registry(m), EMBEDDING)
    bad = [x for x in measures if x not in allowed]
    if not measures or bad:
        raise ValueError(f"metrics.measures: unknown measure(s) {bad or measures}; "
                         f"valid choices: {allowed}")
    ts = list(m.t)
    if not ts:
        raise ValueError("metrics.t must be a non-empty list of diffusion times")
    for t in ts:
        check_positive(t, "metrics.t")
        if t > MAX_T:
            raise ValueError(f"metrics.t must be at most {MAX_T:g}; got {t!r}")
    if isinstance(m.sigma, str):
        check_choice(m.sigma, "metrics.sigma", BANDWIDTH_RULES)
    else:
        check_positive(m.sigma, "metrics.sigma")
    layers = m.layers
    if layers != "all" and (isinstance(layers, str) or not list(layers)):
        raise ValueError(f"metrics.layers must be 'all' or a non-empty list of layer names; got {layers!r}")
    for key in ("knn_k", "n_repetitions", "cse_bins", "x_clusters"):
        check_positive(m[key], f"metrics.{key}", integer=True)
    if m.max_n is not None:
        check_positive(m.max_n, "metrics.max_n", integer=True)
    if isinstance(m.seed, bool) or not isinstance(m.seed, numbers.Integral):
        raise ValueError(f"metrics.seed must be an integer; got {m.seed!r}")
    check_choice(m.sampling, "metrics.sampling", SAMPLING)
    _validate_peers(m.peers)
    solver(m)
    check_choice(m.backend, "metrics.backend", BACKENDS)
    check_choice(m.dtype, "metrics.dtype", DTYPES)
    device = str(m.device)
    if not (device in ("auto", "cpu", "cuda") or device.startswith("cuda:")):
        raise ValueError(f"metrics.device must be 'auto', 'cpu', 'cuda' or 'cuda:<i>'; got {device!r}")
    if m.backend == "numpy" and device not in ("auto", "cpu"):
        raise ValueError(f"metrics.device must be 'cpu' or 'auto' with metrics.backend='numpy'; got {device!r}")


def solver(m) -> Solver:
    """``metrics.solver`` as a :class:`repscope.spectral.solver.Solver`."""
    fields = set(Solver.__dataclass_fields__)
    unknown = sorted(set(m.solver) - fields)
    if unknown:
        raise ValueError(f"metrics.solver: unknown key(s) {unknown}; allowed: {sorted(fields)}")
    return Solver(**m.solver)


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
        slv = solver(m)
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
