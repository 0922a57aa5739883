"""Files at the edges: atomic writes and the verified per-epoch embedding cache.

Every output is written to a temporary file in the destination folder,
flushed to disk and renamed into place, so a killed job never leaves a file
that looks finished. A failed or interrupted write removes its temporary
file; one left by a killed process is removed by the next write of the same
path. A damaged file is reported with its path and what to do."""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from .layout import RunFolder

HOST = socket.gethostname().replace("~", "-")
STALE_SECONDS = 3600  # another host's temporary file this old belongs to a dead write


class DamagedFileError(ValueError):
    """A file that exists but cannot be read as what it should be."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary_name(path: Path) -> re.Pattern:
    """The names :func:`atomic_path` gives the temporary files of ``path``:
    ``.<name>.~<host>~<pid>~<random><suffix>``."""
    return re.compile(rf"\.{re.escape(path.name)}\.~(?P<host>[^~]+)~(?P<pid>\d+)~\w+{re.escape(path.suffix)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(path) -> list[Path]:
    """Delete the temporary files of earlier writes of ``path`` whose process
    is gone (this host: the pid is not running; another host: older than
    STALE_SECONDS). Returns what was removed."""
    path = Path(path)
    pattern, removed = _temporary_name(path), []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(path.parent):
            m = pattern.fullmatch(entry.name)
            if not m:
                continue
            pid, stale = int(m["pid"]), False
            if m["host"] == HOST:
                stale = pid != os.getpid() and not _alive(pid)
            else:
                with contextlib.suppress(FileNotFoundError):
                    stale = time.time() - entry.stat().st_mtime > STALE_SECONDS
            if stale:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _fsync(path) -> None:
    """Flush a file's (or a folder's) data to disk; folders that cannot be
    synced (some network file systems) are skipped."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not os.path.isdir(path):
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success flush it to disk and
    rename it to ``path``; on any error or interrupt remove it. Temporary
    files of earlier, killed writes of ``path`` are removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.~{HOST}~{os.getpid()}~", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make every output private
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def read_npz(path, hint: str = "delete it and rerun the step that makes it (snakemake remakes a missing file)"):
    """``np.load(path)`` (no pickles) as a context manager; a file that is not
    a readable .npz (truncated, garbage, empty, a missing key) raises
    :class:`DamagedFileError` naming it and ``hint``, the way to remake it."""
    try:
        with np.load(path, allow_pickle=False) as f:
            yield f
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as err:
        if isinstance(err, FileNotFoundError):
            raise
        reason = "empty file" if isinstance(err, EOFError) else f"{type(err).__name__}: {err}"
        if "pickled" in reason:
            reason = "not an .npz archive"
        raise DamagedFileError(f"{path} is damaged ({reason}); {hint}") from None


def load_checkpoint(path, map_location=None, hint: str = "delete it and rerun training"):
    """A torch checkpoint (weights only, no arbitrary pickles); an empty or
    damaged file raises :class:`DamagedFileError` naming it and ``hint``."""
    import pickle

    import torch

    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise EOFError("empty file")
        return torch.load(path, map_location=map_location, weights_only=True)
    except (EOFError, RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as err:
        raise DamagedFileError(f"{path} is damaged ({type(err).__name__}: {err}); {hint}") from None


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


def save_rows(rows, columns, path, metadata=None) -> None:
    """Rows (dicts with the keys ``columns``) as a parquet table, with optional
    schema ``metadata`` ({bytes: bytes}), written with pyarrow alone: the
    measure jobs skip importing pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: [row[c] for row in rows] for c in columns})
    if metadata:
        table = table.replace_schema_metadata(metadata)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


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


# --- the embedding cache (its place: repscope.layout) -----------

def config_digest(run_dir) -> str:
    """sha256 of the run's ``config.yaml``: an embedding records the digest of
    the configuration it was computed under."""
    return hashlib.sha256(RunFolder(run_dir).config.read_bytes()).hexdigest()


def array_checksum(arrays: dict) -> str:
    """sha256 over every array's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_embeddings(run_dir, epoch: int, arrays: dict) -> Path:
    """Write ``embeddings/epoch_<e>.npz`` (atomically) with what it is: the run
    (folder name), the epoch, the layer names (``arrays``: layers, Z_<i>,
    labels, sample_ids, accuracy, epoch), the digest of the run's config.yaml
    and the checksum of the arrays."""
    if int(arrays["epoch"]) != int(epoch):
        raise ValueError(f"the arrays are of epoch {int(arrays['epoch'])}, not {epoch}")
    arrays = dict(arrays, run=np.array(Path(run_dir).name), config_digest=np.array(config_digest(run_dir)))
    path = RunFolder(run_dir).embedding(epoch)
    save_npz(path, checksum=np.array(array_checksum(arrays)), **arrays)
    return path


class DamagedEmbedding(DamagedFileError):
    """An embedding file that fails its check (unreadable, wrong checksum, or
    another run's, epoch's or configuration's)."""


@dataclasses.dataclass(frozen=True)
class Embeddings:
    """One ``embeddings/epoch_<e>.npz``: ``layers`` {name: Z [N, D] float32}
    in file order (always with "penultimate"), ``labels`` [N] int64,
    ``sample_ids`` [N] int64 (indices into the test split), ``accuracy``
    (head accuracy, or the linear probe's for SimCLR), ``epoch``, ``run``
    (the run folder's name), ``config_digest`` and ``checksum``."""

    layers: dict
    labels: np.ndarray
    sample_ids: np.ndarray
    accuracy: float
    epoch: int
    run: str
    config_digest: str
    checksum: str


def load_embeddings(path) -> Embeddings:
    """Read and check an ``embeddings/epoch_<e>.npz`` of a run folder: its
    checksum, and that it belongs to that run (folder name), that epoch (file
    name) and the run's current config.yaml. Raises :class:`DamagedEmbedding`
    naming the file and the fix; no pickled objects are loaded."""
    path = Path(path)
    folder, epoch = RunFolder.of_embedding(path)
    run_dir = folder.dir
    fix = (f"delete it and rerun the workflow (or `repscope embed ... out_dir={run_dir} epoch={epoch}`): "
           f"it is recomputed from {folder.checkpoint(epoch)}")
    try:
        with read_npz(path, hint=fix) as f:
            arrays = {k: f[k] for k in f.files}
    except DamagedFileError as err:  # truncated, empty, garbage, pickled data
        raise DamagedEmbedding(str(err)) from None
    try:
        recorded = str(arrays.pop("checksum"))
        names = [str(n) for n in arrays["layers"]]
        emb = Embeddings(layers={n: arrays[f"Z_{i}"] for i, n in enumerate(names)}, labels=arrays["labels"],
                         sample_ids=arrays["sample_ids"], accuracy=float(arrays["accuracy"]),
                         epoch=int(arrays["epoch"]), run=str(arrays["run"]),
                         config_digest=str(arrays["config_digest"]), checksum=recorded)
    except KeyError as err:  # written by an older version, or not an embedding file
        raise DamagedEmbedding(f"embedding file {path} lacks {err} (not an embedding of this "
                               f"version); {fix}") from None
    problems = []
    if array_checksum(arrays) != recorded:
        problems.append("its arrays do not match their recorded checksum")
    if emb.run != run_dir.name:
        problems.append(f"it belongs to run {emb.run!r}, not {run_dir.name!r}")
    if emb.epoch != epoch:
        problems.append(f"it holds epoch {emb.epoch}, not {epoch}")
    if emb.config_digest != config_digest(run_dir):
        problems.append(f"it was computed under another configuration than {folder.config}")
    if problems:
        raise DamagedEmbedding(f"embedding file {path} fails its check: {'; '.join(problems)}; {fix}")
    return emb
