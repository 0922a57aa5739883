"""Datasets chosen by ``dataset.name``, the fixed evaluation subset, and the
per-batch preprocessing/augmentation pipeline.

Add a dataset: write a loader ``load_<name>`` returning :class:`Dataset` in
``sources.py``, add its name to ``repscope.schema.groups.DATASETS`` (``LOADERS`` is
keyed by that list) and add ``conf/dataset/<name>.yaml``.

The loaders and the pipeline (torch) are imported on first use, so the toy
generators (``repscope.data.toy``) and the studies' figure jobs start without torch."""
from __future__ import annotations

import numpy as np

from ..schema.fields import check
from ..schema.groups import Dataset as DatasetSchema
from .subset import stratified_subset

__all__ = ["Dataset", "Pipeline", "eval_indices", "eval_inputs", "load_dataset", "stratified_subset"]

_LAZY = {"Pipeline": "pipeline", "resize": "pipeline", "to_float": "pipeline",
         "LOADERS": "sources", "Dataset": "sources"}


def __getattr__(name):
    """``Pipeline``, ``resize``, ``to_float``, ``LOADERS`` and ``Dataset``,
    imported from their modules on first access."""
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_dataset(dcfg):
    """The :class:`~repscope.data.sources.Dataset` named by ``dataset.name``."""
    from .sources import LOADERS

    check(dcfg, DatasetSchema, "dataset")
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
