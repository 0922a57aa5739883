"""Layer-wise measures of trained checkpoints (studies S4-S7): NC1, decodable
information, manifold capacity, the binned information plane, ablation importance,
modularity and linear CKA similarity, per hooked layer and epoch — the measures of
the registry's layer scope (:mod:`repscope.pipeline.registry`), which also holds
every per-embedding measure computed here on each hooked layer (e.g. DSE, RankMe).

Settings: ``conf/layers/`` (``cfg.layers``). Where: an experiment's
``experiment.layerwise`` block lists the runs of its grid (by run name) and the
epochs to measure. Output per (run, epoch): the run folder's ``layers`` file of that epoch
(:mod:`repscope.layout`), tidy rows (layer, depth, metric, split, unit, t, value)."""
from __future__ import annotations

import numbers

from ..pipeline.registry import LAYER
from ..pipeline.registry import MEASURES as REGISTRY
from ..pipeline.registry import in_scope, measure_registry
from ..schema.fields import check
from ..schema.groups import Layers

MEASURES = tuple(in_scope(REGISTRY, LAYER))  # the built-in ones; metrics.custom adds its own
COLUMNS = ["layer", "depth", "metric", "split", "unit", "t", "value"]


def validate_layers(lcfg, metrics=None) -> None:
    """Check ``cfg.layers`` against its schema (:class:`repscope.schema.groups.Layers`) and its
    measures against the registry (with ``cfg.metrics``: its custom measures are allowed too);
    ValueError naming the key, the value and what is allowed."""
    allowed = MEASURES
    if metrics is not None:
        allowed = in_scope(measure_registry(metrics), LAYER)
    check(lcfg, Layers, "layers")
    bad = [m for m in lcfg.measures if m not in allowed]
    if bad:
        raise ValueError(f"layers.measures: unknown measure(s) {bad}; valid: {list(allowed)}")


def needs_final(lcfg) -> bool:
    """Whether a measure needs the final epoch (ablation, modularity)."""
    return bool({"ablation", "modularity"} & set(lcfg.measures))


def layerwise_selection(layerwise, last_epoch: int, checkpoint_every: int = 1,
                        grid_runs=None, lcfg=None, metrics=None) -> tuple[list[str], list[int]]:
    """(run names, epochs) of an ``experiment.layerwise`` block ({runs, epochs}; None =
    no layer-wise work), checked: runs of the grid (when ``grid_runs`` is given),
    epochs with a checkpoint in 0..``last_epoch``, including 0 and the last epoch
    when ``lcfg`` asks for ablation or modularity."""
    if layerwise is None:
        return [], []
    if lcfg is not None:
        validate_layers(lcfg, metrics)  # the workflow plans with lcfg: a bad layers.* value fails before any job
    runs, epochs = list(layerwise.get("runs") or []), list(layerwise.get("epochs") or [])
    if not runs or not epochs:
        raise ValueError(f"experiment.layerwise needs non-empty 'runs' (run names) and 'epochs'; "
                         f"got runs={runs}, epochs={epochs}")
    if grid_runs is not None:
        unknown = [r for r in runs if r not in grid_runs]
        if unknown:
            raise ValueError(f"experiment.layerwise.runs: {unknown} are not runs of the grid; "
                             f"runs are {sorted(grid_runs)}")
    kept = {0, last_epoch}
    bad = [e for e in epochs if isinstance(e, bool) or not isinstance(e, numbers.Integral)
           or not 0 <= e <= last_epoch or (e % checkpoint_every and e not in kept)]
    if bad:
        raise ValueError(f"experiment.layerwise.epochs must be epochs with a checkpoint: 0, "
                         f"{last_epoch} or multiples of train.checkpoint_every={checkpoint_every} "
                         f"in between; got {bad}")
    if lcfg is not None and needs_final(lcfg) and not kept <= set(epochs):
        raise ValueError(f"experiment.layerwise.epochs must include 0 and the final epoch "
                         f"{last_epoch} for layers.measures ablation/modularity; got {epochs}")
    return runs, sorted(set(int(e) for e in epochs))
