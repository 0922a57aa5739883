"""The typed schema of ``conf/metrics/``, the per-checkpoint measures' settings. The
option names come from the torch-free modules that implement them (``spectral``,
``metrics.sampling``); the measure names are the registry's
(:func:`repscope.pipeline.registry.validate_metrics` checks them after this schema)."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .._validate import MAX_T
from ..metrics.sampling import SAMPLING
from ..spectral import ADJACENCY_KINDS, BACKENDS, BANDWIDTH_RULES, DTYPES, Solver
from .fields import anything, choice, group, integer, names, number, number_list, positive_or, text


@dataclass
class Neural:
    hidden: int = integer(1)
    steps: int = integer(1)
    batch_size: int = integer(1)
    lr: float = number(0, above=True)


@dataclass
class Peers:
    """The settings of the peer measures (KSG_Y, kNN_acc, probe_acc, ASE/ASMI_Y, MINE_Y/InfoNCE_Y)."""

    ksg_k: int = integer(1)
    knn_k: int = integer(1)
    n_folds: int = integer(1)
    probe_C: float = number(0, above=True)
    adjacency: str = choice(*ADJACENCY_KINDS)
    neural: Neural = group(Neural)


def _solver_values(node, prefix):
    try:
        Solver(**node)
    except ValueError as err:
        raise ValueError(f"{prefix}: {err}") from None


# metrics.solver: the keys of repscope.spectral.Solver, whose own checks judge the values
SolverSettings = dataclasses.make_dataclass(
    "SolverSettings", [(f.name, object, anything(f"Solver.{f.name}")) for f in dataclasses.fields(Solver)],
    namespace={"RULES": (_solver_values,)})


def _device(node, prefix):
    device = str(node.device)
    if not (device in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", device)):
        raise ValueError(f"{prefix}.device must be 'auto', 'cpu', 'cuda' or 'cuda:<i>'; got {device!r}")
    if node.backend == "numpy" and device not in ("auto", "cpu"):
        raise ValueError(f"{prefix}.device must be 'cpu' or 'auto' with {prefix}.backend='numpy'; "
                         f"got {device!r}")


@dataclass
class Metrics:
    """``conf/metrics/``: the per-checkpoint measures. The measure names (the registry's
    and ``custom``'s) are checked against the registry
    (:func:`repscope.pipeline.registry.validate_metrics`)."""

    RULES = (_device,)
    name: str = text()
    measures: list = anything("a non-empty list of measure names")
    custom: dict = anything("{NAME: 'package.module:function'}")
    layers: list = names()
    sigma: float = positive_or(*BANDWIDTH_RULES)
    t: list = number_list(0, MAX_T, above=True)
    knn_k: int = integer(1)
    n_repetitions: int = integer(1)
    max_n: int = integer(1, optional=True)
    solver: SolverSettings = group(SolverSettings)
    sampling: str = choice(*SAMPLING)
    seed: int = integer()
    cse_bins: int = integer(1)
    x_clusters: int = integer(1)
    peers: Peers = group(Peers)
    backend: str = choice(*BACKENDS)
    dtype: str = choice(*DTYPES)
    device: str = anything("'auto', 'cpu', 'cuda' or 'cuda:<i>' ('auto' or 'cpu' with backend numpy)")
