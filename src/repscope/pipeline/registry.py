"""Every measure of repscope, in one place: each entry's name (the ``metric``
column of the tidy tables and the name listed in ``conf/metrics: measures`` or
``conf/layers: measures``), the label its figures show, its unit, what it needs,
whether it depends on the diffusion time t, its scope and how it is computed
(``docs/measures.md`` defines them). A user's measure (``metrics.custom``)
becomes an entry of the same kind, so the per-checkpoint job, the layer-wise
job, the validation and the figures all read this table. Adding a measure is
one function and one entry here, plus its name in a conf list.

Scopes: ``embedding`` — measured by the per-checkpoint job on every cached layer
of an embedding file (``compute(Z, labels, x_clusters, m, device) -> float``,
``m`` the ``metrics`` settings); ``layer`` — measured by the layer-wise job on
every hooked layer of a checkpoint: by ``layer_rows(job) -> rows`` where the
measure needs the network (``needs`` "checkpoint"), else by the same
``compute`` on each layer's activations of the evaluation subset.

DSE, DSMI_Y and DSMI_X share one distance matrix, bandwidth and spectrum per layer, so they
have no ``compute`` of their own: :func:`repscope.pipeline.measure.measure_layer` computes
them together. ``accuracy`` is read from the embedding file."""
from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

import numpy as np

NEEDS = ("Z", "labels", "x_clusters", "checkpoint")
SCOPES = ("embedding", "layer")
EMBEDDING, LAYER = SCOPES
ACCURACY_LAYER = "penultimate"  # accuracy is reported once per epoch, on this layer's row


@dataclass(frozen=True)
class Measure:
    """One measure. ``compute(Z, labels, x_clusters, m, device) -> float``; ``None``
    for the jointly computed spectral measures, for accuracy and for the measures
    of the network (``layer_rows``). ``unit``: ``"bits"``, or ``""`` for counts,
    dimensions and accuracies. ``exact``: False where the value is an estimate
    whose standard error is unknown (the neural bounds, custom measures): the
    table's ``stderr`` is then NaN, else 0. ``scope``: where it is measured (see
    the module docstring); ``layer_rows(job)``: its rows in the layer-wise job
    (:class:`repscope.layerwise.job.LayerJob`), None = ``compute`` per layer."""

    name: str
    label: str
    needs: tuple[str, ...] = ("Z",)
    unit: str = "bits"
    per_t: bool = False
    compute: Callable | None = None
    exact: bool = True
    scope: tuple[str, ...] = SCOPES
    layer_rows: Callable | None = None


def _sampling(m) -> dict:
    return dict(seed=m.seed, sampling=m.sampling, max_n=m.max_n)


def _spectral(m, device) -> dict:
    return dict(backend=m.backend, dtype=m.dtype, device=device, **_sampling(m))


def _cse(Z, labels, x_clusters, m, device):
    from ..metrics import classic_shannon_entropy

    return classic_shannon_entropy(Z, m.cse_bins, **_sampling(m))


def _csmi(reference):
    def compute(Z, labels, x_clusters, m, device):
        from ..metrics import classic_shannon_mutual_information

        ref = labels if reference == "labels" else x_clusters
        return classic_shannon_mutual_information(
            Z, clusters=ref, num_bins_per_dim=m.cse_bins, n_repetitions=m.n_repetitions,
            **_sampling(m)).mi
    return compute


def _ksg(Z, labels, x_clusters, m, device):
    from ..metrics import ksg_mutual_information

    return ksg_mutual_information(Z, labels, k=m.peers.ksg_k, reference_type="discrete",
                                  seed=m.seed, device=device)


def _neural(kind):
    def compute(Z, labels, x_clusters, m, device):
        from ..metrics import infonce_mutual_information, mine_mutual_information

        fn = mine_mutual_information if kind == "mine" else infonce_mutual_information
        return fn(Z, labels, reference_type="discrete", seed=m.seed, device=device,
                  **m.peers.neural)
    return compute


def _von_neumann(Z, labels, x_clusters, m, device):
    from ..metrics import von_neumann_entropy

    return von_neumann_entropy(Z, sigma=m.sigma, backend="torch", device=device)


def _rankme(Z, labels, x_clusters, m, device):
    from ..metrics import effective_rank

    return effective_rank(Z)


def _dmee(Z, labels, x_clusters, m, device):
    from ..metrics import matrix_entry_entropy

    return matrix_entry_entropy(Z, m.sigma, knn_k=m.knn_k, **_spectral(m, device))


def _ase(Z, labels, x_clusters, m, device):
    from ..metrics import adjacency_spectral_entropy

    return adjacency_spectral_entropy(Z, m.sigma, kind=m.peers.adjacency, knn=m.knn_k,
                                      **_spectral(m, device))


def _asmi(Z, labels, x_clusters, m, device):
    from ..metrics import adjacency_spectral_mutual_information

    return adjacency_spectral_mutual_information(
        Z, clusters=labels, sigma=m.sigma, kind=m.peers.adjacency, knn=m.knn_k,
        n_repetitions=m.n_repetitions, **_spectral(m, device)).mi


def _twonn(Z, labels, x_clusters, m, device):
    from ..metrics import twonn_intrinsic_dimension

    return twonn_intrinsic_dimension(Z)


def _knn_acc(Z, labels, x_clusters, m, device):
    from ..metrics import knn_accuracy

    return knn_accuracy(Z, labels, k=m.peers.knn_k, n_folds=m.peers.n_folds, seed=m.seed)


def _probe_acc(Z, labels, x_clusters, m, device):
    from ..metrics import linear_probe_accuracy

    return linear_probe_accuracy(Z, labels, C=m.peers.probe_C, n_folds=m.peers.n_folds,
                                 seed=m.seed)


def _nc1(Z, labels, x_clusters, m, device):
    from ..metrics import nc1

    return nc1(np.asarray(Z, dtype=np.float64), labels)


def _layerwise(step: str) -> Callable:
    """``layer_rows`` of a measure of the network: the layer-wise job's method ``step``
    (:class:`repscope.layerwise.job.LayerJob`)."""
    return lambda job: getattr(job, step)()


_NET = ("checkpoint", "labels")
_BUILTIN = (
    Measure("DSE", "DSE(Z)", per_t=True),
    Measure("CSE", "CSE(Z)", compute=_cse),
    Measure("DSMI_Y", "DSMI(Z; Y)", ("Z", "labels"), per_t=True),
    Measure("CSMI_Y", "CSMI(Z; Y)", ("Z", "labels"), compute=_csmi("labels")),
    Measure("DSMI_X", "DSMI(Z; X)", ("Z", "x_clusters"), per_t=True),
    Measure("CSMI_X", "CSMI(Z; X)", ("Z", "x_clusters"), compute=_csmi("x_clusters")),
    Measure("accuracy", "accuracy", unit="", scope=(EMBEDDING,)),
    Measure("KSG_Y", "KSG I(Z; Y)", ("Z", "labels"), compute=_ksg),
    Measure("MINE_Y", "MINE I(Z; Y)", ("Z", "labels"), compute=_neural("mine"), exact=False),
    Measure("InfoNCE_Y", "InfoNCE I(Z; Y)", ("Z", "labels"), compute=_neural("infonce"),
            exact=False),
    Measure("VNE", "von Neumann entropy", compute=_von_neumann),
    Measure("RankMe", "RankMe effective rank", unit="", compute=_rankme),
    Measure("DMEE", "DMEE(Z)", compute=_dmee),
    Measure("ASE", "adjacency spectral entropy", compute=_ase),
    Measure("ASMI_Y", "ASMI(Z; Y)", ("Z", "labels"), compute=_asmi),
    Measure("TwoNN", "TwoNN intrinsic dimension", unit="", compute=_twonn),
    Measure("kNN_acc", "k-NN accuracy", ("Z", "labels"), unit="", compute=_knn_acc),
    Measure("probe_acc", "linear-probe accuracy", ("Z", "labels"), unit="", compute=_probe_acc),
    # the layer-wise job streams NC1 over whole splits through the network (layers.nc1)
    Measure("NC1", "NC1", ("Z", "labels"), unit="", compute=_nc1, layer_rows=_layerwise("nc1")),
    Measure("DIB", "decodable information", _NET, scope=(LAYER,), layer_rows=_layerwise("dib")),
    Measure("MFT", "manifold geometry", _NET, unit="", scope=(LAYER,), layer_rows=_layerwise("manifold")),
    Measure("info_plane", "information plane", _NET, scope=(LAYER,), layer_rows=_layerwise("info_plane")),
    Measure("ablation", "ablation importance", _NET, scope=(LAYER,), layer_rows=_layerwise("ablation")),
    Measure("modularity", "modularity", ("checkpoint",), scope=(LAYER,), layer_rows=_layerwise("modularity")),
    Measure("CKA", "linear CKA", ("checkpoint",), unit="", scope=(LAYER,), layer_rows=_layerwise("cka")),
)
MEASURES: dict[str, Measure] = {m.name: m for m in _BUILTIN}
SPECTRAL = tuple(name for name, m in MEASURES.items() if m.per_t)  # computed together, per t


def in_scope(registry: dict[str, Measure], scope: str) -> list[str]:
    """The names of the ``registry``'s measures that ``scope`` measures."""
    return [name for name, m in registry.items() if scope in m.scope]


def custom(name: str, fn: Callable) -> Measure:
    """The entry of a user's measure ``fn(Z [N, D], labels [N], x_clusters [N]) -> float``
    (both scopes: every cached layer of an embedding, every hooked layer of a checkpoint)."""
    return Measure(name, name, ("Z", "labels", "x_clusters"), unit="", exact=False,
                   compute=lambda Z, labels, x_clusters, m, device: fn(Z, labels, x_clusters))


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
    """The built-in measures and this experiment's custom ones (``m``: the metrics settings)."""
    return {**MEASURES, **custom_measures(m)}


def validate_metrics(m) -> None:
    """Check ``cfg.metrics`` before any work: its keys against the schema
    (:class:`repscope.schema.metrics.Metrics`), then ``metrics.measures`` against this
    registry with the custom measures; ValueError naming the key and what is allowed."""
    from ..schema.fields import check
    from ..schema.metrics import Metrics

    check(m, Metrics, "metrics")
    listed = m.measures
    measures = list(listed) if isinstance(listed, Sequence) and not isinstance(listed, str) else [listed]
    allowed = in_scope(measure_registry(m), EMBEDDING)
    bad = [x for x in measures if x not in allowed]
    if not measures or bad:
        raise ValueError(f"metrics.measures: unknown measure(s) {bad or measures}; valid choices: {allowed}")
