"""Datasets chosen by ``dataset.name``, the fixed evaluation subset, and the
per-batch preprocessing/augmentation pipeline.

Add a dataset: write a loader returning :class:`Dataset` in ``sources.py``,
register it in ``LOADERS`` and add ``conf/dataset/<name>.yaml``.

The loaders and the pipeline (torch) are imported on first use, so the toy
generators (``repscope.data.toy``) and the studies' figure jobs start without torch."""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_positive
from .subset import stratified_subset

_LAZY = {"Pipeline": "pipeline", "resize": "pipeline", "to_float": "pipeline",
         "LOADERS": "sources", "Dataset": "sources"}


def __getattr__(name):
    """``Pipeline``, ``resize``, ``to_float``, ``LOADERS``, ``Dataset`` and
    ``DATASETS``, imported from their modules on first access."""
    import importlib

    if name == "DATASETS":
        return tuple(__getattr__("LOADERS"))
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DATASETS", "Dataset", "Pipeline", "eval_indices", "eval_inputs", "load_dataset",
           "stratified_subset", "validate"]


def _optional_positive(value, name):
    if value is not None:
        check_positive(value, name, integer=True)


def validate(dcfg) -> None:
    """ValueError naming the ``dataset.*`` key whose value is not allowed."""
    from .sources import LOADERS

    check_choice(dcfg.name, "dataset.name", tuple(LOADERS))
    for key in ("eval_n", "x_size", "img_size"):
        _optional_positive(dcfg.get(key), f"dataset.{key}")
    check_positive(dcfg.passes_per_epoch, "dataset.passes_per_epoch", integer=True)
    check_choice(dcfg.get("channels"), "dataset.channels", [None, 1, 3])
    check_choice(dcfg.get("download"), "dataset.download", [True, False])
    check_choice(dcfg.get("flip"), "dataset.flip", [True, False])
    for key in [k for k in ("eval_seed", "split_seed") if k in dcfg]:
        if isinstance(dcfg[key], bool) or not isinstance(dcfg[key], int):
            raise ValueError(f"dataset.{key} must be an integer; got {dcfg[key]!r}")
    if "test_size" in dcfg:
        size = dcfg.test_size
        if isinstance(size, bool) or not (isinstance(size, int) and size > 0
                                          or isinstance(size, float) and 0 < size < 1):
            raise ValueError(f"dataset.test_size must be a positive count or a fraction in (0, 1); got {size!r}")


def load_dataset(dcfg):
    """The :class:`~repscope.data.sources.Dataset` named by ``dataset.name``."""
    from .sources import LOADERS

    validate(dcfg)
    return LOADERS[dcfg.name](dcfg)


def eval_indices(dcfg, dataset) -> np.ndarray:
    """Indices into the test split of the evaluation subset: ``dataset.eval_n``
    samples (null = all), stratified, drawn with ``dataset.eval_seed`` (not the
    run seed, so every run of a dataset is measured on the same points)."""
    return stratified_subset(dataset.y_test.numpy(), dcfg.eval_n, dcfg.eval_seed, "dataset.eval_n")


def eval_inputs(cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The evaluation subset's raw inputs for DSMI(Z; X): X [N, F] float32
    (images/signals scaled to [0, 1] or as stored, area-resized to
    ``dataset.x_size`` where set, flattened), labels [N] int64, sample_ids [N] int64."""
    from .pipeline import resize, to_float

    dataset = load_dataset(cfg.dataset)
    ids = eval_indices(cfg.dataset, dataset)
    x = to_float(dataset.x_test[ids])
    if cfg.dataset.x_size is not None:
        x = resize(x, cfg.dataset.x_size, mode="area")
    return (x.reshape(len(ids), -1).numpy().astype(np.float32),
            dataset.y_test[ids].numpy().astype(np.int64), ids.astype(np.int64))
