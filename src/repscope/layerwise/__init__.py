"""Layer-wise measures of trained checkpoints (studies S4-S7): NC1, decodable
information, manifold capacity, the binned information plane, ablation importance,
modularity and linear CKA similarity, per hooked layer and epoch.

Settings: ``conf/layers/`` (``cfg.layers``). Where: an experiment's
``experiment.layerwise`` block lists the runs of its grid (by run name) and the
epochs to measure. Output per (run, epoch): the run folder's ``layers/epoch_<e>.parquet``
(:mod:`repscope.layout`), tidy rows (layer, depth, metric, split, unit, t, value)."""
from __future__ import annotations

import numbers
from .._validate import check_choice, check_positive

MEASURES = ("NC1", "DIB", "MFT", "info_plane", "ablation", "modularity", "CKA")
SPLITS = ("train", "test")
PAIRS = ("all", "consecutive")
COLUMNS = ["layer", "depth", "metric", "split", "unit", "t", "value"]


def validate_layers(lcfg) -> None:
    """Check ``cfg.layers``; ValueError naming the key, the value and what is allowed."""
    measures = list(lcfg.measures)
    bad = [m for m in measures if m not in MEASURES]
    if not measures or bad:
        raise ValueError(f"layers.measures: unknown measure(s) {bad or measures}; valid: {list(MEASURES)}")
    if lcfg.layers != "all" and (isinstance(lcfg.layers, str) or not list(lcfg.layers)):
        raise ValueError(f"layers.layers must be 'all' or a non-empty list of layer names; "
                         f"got {lcfg.layers!r}")
    check_choice(lcfg.input, "layers.input", (True, False))
    if isinstance(lcfg.seed, bool) or not isinstance(lcfg.seed, numbers.Integral):
        raise ValueError(f"layers.seed must be an integer; got {lcfg.seed!r}")
    for split in lcfg.nc1.splits:
        check_choice(split, "layers.nc1.splits", SPLITS)
    check_choice(lcfg.nc1.global_mean, "layers.nc1.global_mean", ("samples", "classes"))
    if lcfg.dib.n_train is not None:
        check_positive(lcfg.dib.n_train, "layers.dib.n_train", integer=True)
    for key in ("epochs", "batch_size"):
        check_positive(lcfg.dib[key], f"layers.dib.{key}", integer=True)
    check_positive(lcfg.dib.lr, "layers.dib.lr")
    for key in ("examples_per_class", "n_t", "n_reps", "max_iter"):
        check_positive(lcfg.manifold[key], f"layers.manifold.{key}", integer=True)
    check_choice(lcfg.manifold.subspace, "layers.manifold.subspace", ("samples", "rank"))
    check_choice(lcfg.manifold.split, "layers.manifold.split", SPLITS)
    check_choice(lcfg.info_plane.split, "layers.info_plane.split", SPLITS)
    if lcfg.info_plane.n_train is not None:
        check_positive(lcfg.info_plane.n_train, "layers.info_plane.n_train", integer=True)
    check_choice(lcfg.modularity.pairs, "layers.modularity.pairs", PAIRS)
    check_choice(lcfg.modularity.logits, "layers.modularity.logits", (True, False))
    for key in ("num_bins", "subset_size", "n_subsets"):
        check_positive(lcfg.modularity[key], f"layers.modularity.{key}", integer=True)
    check_positive(lcfg.info_plane.num_bins, "layers.info_plane.num_bins", integer=True)
    check_positive(lcfg.ablation.chunk, "layers.ablation.chunk", integer=True)


def needs_final(lcfg) -> bool:
    """Whether a measure needs the final epoch (ablation, modularity)."""
    return bool({"ablation", "modularity"} & set(lcfg.measures))


def layerwise_selection(layerwise, last_epoch: int, checkpoint_every: int = 1,
                        grid_runs=None, lcfg=None) -> tuple[list[str], list[int]]:
    """(run names, epochs) of an ``experiment.layerwise`` block ({runs, epochs}; None =
    no layer-wise work), checked: runs of the grid (when ``grid_runs`` is given),
    epochs with a checkpoint in 0..``last_epoch``, including 0 and the last epoch
    when ``lcfg`` asks for ablation or modularity."""
    if layerwise is None:
        return [], []
    if lcfg is not None:
        validate_layers(lcfg)  # the workflow plans with lcfg: a bad layers.* value fails before any job
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
