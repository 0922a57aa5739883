"""Studies made of many independent cells (T5's blob sets, mi_ground_truth's data sets):
measured in worker processes side by side, and kept as they finish, so a study that is
stopped (a cluster's time limit, a killed job) resumes where it stopped. Each finished
cell is a file in ``study.cells_dir`` (``repscope study`` puts it beside the output, and
removes it once the table is written), under a fingerprint of the study's settings and of
repscope's code: a changed setting or a changed line of code starts afresh, and a file is
used only if it holds the same cell and can be read."""
from __future__ import annotations

import hashlib
import json
import pickle
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from omegaconf import OmegaConf
from tqdm.auto import tqdm

from ..pipeline.cache import code_digest

# study keys that do not change a cell's rows
NOT_IN_FINGERPRINT = ("workers", "results_dir", "cells_dir")


class CellStore:
    """The finished cells of one study's settings, one pickle per cell in ``folder/<fingerprint>/``."""

    def __init__(self, folder, settings):
        s = {k: v for k, v in OmegaConf.to_container(settings, resolve=True).items() if k not in NOT_IN_FINGERPRINT}
        key = hashlib.sha256((json.dumps(s, sort_keys=True, default=str) + code_digest((".",))).encode())
        self.dir = Path(folder) / key.hexdigest()[:16]

    def get(self, i: int, cell):
        """The rows of cell ``i`` if kept for this very cell; None otherwise (absent, another
        cell, an unreadable file)."""
        try:
            kept, rows = pickle.loads((self.dir / f"{i}.pkl").read_bytes())
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            return None
        return rows if kept == cell else None

    def put(self, i: int, cell, rows) -> None:
        from ..io import atomic_path

        with atomic_path(self.dir / f"{i}.pkl") as tmp:
            tmp.write_bytes(pickle.dumps((cell, rows)))


def cell_store(s) -> CellStore | None:
    """The store of the study settings ``s`` in ``s.cells_dir``, if it names one."""
    return CellStore(s.cells_dir, s) if s.get("cells_dir") else None


_WORKER = {}


def _start_worker(setup, args) -> None:
    """A worker process: one thread (the workers share the job's cores), its own state."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    _WORKER["blas"] = threadpool_limits(1)  # numpy's and scipy's BLAS too, for the process's life
    _WORKER["state"] = setup(*args)


def _in_worker(measure, cell):
    return measure(cell, _WORKER["state"])


def measure_cells(measure, cells, *, workers: int, setup, args=(), priority=None, store: CellStore | None = None,
                  desc="cells") -> list:
    """The rows of every cell, in the order of ``cells``: ``measure(cell, state) -> [rows]``,
    ``state = setup(*args)`` made once per process (e.g. the estimators, warmed up).
    ``workers`` > 1: that many processes side by side, one thread each, the cells of
    highest ``priority(cell)`` first (e.g. the costliest, so the last to finish are
    short). A cell's rows must depend on the cell alone (its own generator), so they do
    not depend on ``workers`` nor on which cells a ``store`` already held; ``measure``
    and ``setup`` are module-level functions (sent to the workers). Each finished cell
    goes to the ``store``; a failure stops the study there, the finished cells kept."""
    done = {i: rows for i, c in enumerate(cells) if store and (rows := store.get(i, c)) is not None}
    todo = [i for i in range(len(cells)) if i not in done]
    progress = dict(total=len(cells), initial=len(done), desc=desc, mininterval=2.0)

    def finished(i, rows):
        done[i] = rows
        if store:
            store.put(i, cells[i], rows)

    if workers == 1 or len(todo) <= 1:
        state = setup(*args) if todo else None
        for i in tqdm(todo, **progress):
            finished(i, measure(cells[i], state))
    else:
        todo.sort(key=(lambda i: priority(cells[i])) if priority else None, reverse=bool(priority))
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_start_worker,
                                 initargs=(setup, args)) as pool:
            jobs = {pool.submit(_in_worker, measure, cells[i]): i for i in todo}
            for job in tqdm(as_completed(jobs), **progress):
                finished(jobs[job], job.result())
    return [row for i in range(len(cells)) for row in done[i]]
