"""The per-epoch results of ``repscope measure``, kept between jobs.

A run's measure job measures every evaluated epoch in one process; each
epoch's rows are also kept (the run's ``metrics/epoch_<e>.parquet``,
:mod:`repscope.layout`) with a key: the embedding's checksum, the clusters of
X, the metrics settings and the measuring code. A rerun (one deleted or recomputed embedding, a retried job)
re-measures only the epochs whose key changed."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..io import array_checksum, save_rows
from ..layout import kept_epoch

KEY = b"repscope.measure_key"
COLUMNS = ["layer", "metric", "t", "value", "stderr"]
CODE = ("metrics", "spectral", "pipeline/measure.py", "pipeline/registry.py", "_validate.py")  # what computes the measures


def code_digest(parts=CODE) -> str:
    """sha256 of the package's code that computes the results (``parts``, under src/repscope;
    ``(".",)``: all of it)."""
    root = Path(__file__).resolve().parents[1]
    files = sorted(p for part in parts for p in ((root / part).rglob("*.py") if (root / part).is_dir()
                                                 else [root / part]))
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p.relative_to(root)}|".encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def measure_key(embedding_checksum: str, x_clusters: np.ndarray, settings: str, code: str) -> str:
    """The key of one epoch's results: what they are computed from."""
    parts = [embedding_checksum, array_checksum({"clusters": x_clusters}), settings, code]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_rows(folder, epoch: int, key: str) -> list[dict] | None:
    """The epoch's rows kept in ``folder`` when they have this key, else None."""
    import pyarrow.parquet as pq

    path = kept_epoch(folder, epoch)
    try:
        table = pq.read_table(path)
    except (FileNotFoundError, OSError, ValueError):  # absent or unreadable: measure again
        return None
    if (table.schema.metadata or {}).get(KEY) != key.encode() or table.column_names != COLUMNS:
        return None
    return table.to_pylist()


def keep_rows(folder, epoch: int, key: str, rows: list[dict]) -> None:
    save_rows(rows, COLUMNS, kept_epoch(folder, epoch), metadata={KEY: key.encode()})
