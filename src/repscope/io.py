"""Files at the edges: atomic writes and the per-epoch embedding cache.

Every output is written to a temporary file in the destination folder and
renamed into place, so a killed job never leaves a file that looks finished."""
from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success rename it to ``path``,
    on error remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make every output private
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_npz(path, **arrays) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def save_table(df, path) -> None:
    """A pandas DataFrame as parquet or csv, chosen by the suffix."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif path.suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            raise ValueError(f"table path must end in .parquet or .csv; got {path.name!r}")


def save_rows(rows, columns, path) -> None:
    """Rows (dicts with the keys ``columns``) as a parquet table, written with
    pyarrow alone: the many small per-checkpoint tables skip importing pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(pa.table({c: [row[c] for row in rows] for c in columns}), tmp)


def save_text(text: str, path) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)


def save_config(cfg, path) -> None:
    """A composed (OmegaConf) config as resolved yaml."""
    from omegaconf import OmegaConf

    save_text(OmegaConf.to_yaml(cfg, resolve=True), path)


def save_torch(obj, path) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def save_figure(fig, stem) -> None:
    """A matplotlib Figure as ``<stem>.pdf`` and ``<stem>.png`` (each written
    atomically), then closed."""
    import matplotlib.pyplot as plt

    for fmt in ("pdf", "png"):
        with atomic_path(Path(f"{stem}.{fmt}")) as tmp:
            fig.savefig(tmp, format=fmt, bbox_inches="tight", dpi=150)
    plt.close(fig)


# --- run directory layout (see DESIGN.md) and the embedding cache -----------

def checkpoint_path(run_dir, epoch) -> Path:
    """``checkpoints/epoch_<e>.pt`` (weights after epoch e; 0 = initialisation)
    or ``checkpoints/last.pt`` for ``epoch="last"``."""
    name = "last.pt" if epoch == "last" else f"epoch_{int(epoch)}.pt"
    return Path(run_dir) / "checkpoints" / name


def embedding_path(run_dir, epoch: int) -> Path:
    return Path(run_dir) / "embeddings" / f"epoch_{int(epoch)}.npz"


def export_path(run_dir, epoch: int) -> Path:
    """``checkpoints/epoch_<e>.npz``: the embeddings training computed in-process
    after epoch e, kept beside the weights. ``embeddings/epoch_<e>.npz`` is a
    hard link to it, so a deleted embedding is re-made instantly (the workflow
    deletes and re-makes it per epoch) instead of recomputed from the weights."""
    return Path(run_dir) / "checkpoints" / f"epoch_{int(epoch)}.npz"


def link_export(run_dir, epoch: int) -> bool:
    """Make ``embeddings/epoch_<e>.npz`` the same file as the epoch's export (a
    hard link, or a copy where links are impossible), atomically and with a
    fresh modification time. False when there is no export."""
    src, dst = export_path(run_dir, epoch), embedding_path(run_dir, epoch)
    if not src.exists():
        return False
    with atomic_path(dst) as tmp:
        os.unlink(tmp)
        try:
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
    os.utime(dst)
    return True


@dataclasses.dataclass(frozen=True)
class Embeddings:
    """One ``embeddings/epoch_<e>.npz``: ``layers`` {name: Z [N, D] float32}
    in file order (always with "penultimate"), ``labels`` [N] int64,
    ``sample_ids`` [N] int64 (indices into the test split), ``accuracy``
    (head accuracy, or the linear probe's for SimCLR), ``epoch``."""

    layers: dict
    labels: np.ndarray
    sample_ids: np.ndarray
    accuracy: float
    epoch: int


def load_embeddings(path) -> Embeddings:
    """Read an embedding file written by ``repscope train`` / ``repscope embed``
    (keys ``layers``, ``Z_<i>``, ``labels``, ``sample_ids``, ``accuracy``,
    ``epoch``); no pickled objects are loaded."""
    with np.load(path, allow_pickle=False) as f:
        names = [str(n) for n in f["layers"]]
        return Embeddings(layers={n: f[f"Z_{i}"] for i, n in enumerate(names)}, labels=f["labels"],
                          sample_ids=f["sample_ids"], accuracy=float(f["accuracy"]), epoch=int(f["epoch"]))
