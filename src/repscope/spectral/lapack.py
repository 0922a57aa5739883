"""Symmetric eigenvalues on the CPU, tuned for the two shapes the measures need.

- One large matrix: LAPACK's divide-and-conquer ``?syevd`` (eigenvalues only)
  called in place on the caller's buffer through ctypes, so DSE at N points
  holds one N x N matrix instead of the two that ``torch.linalg.eigvalsh`` or
  ``numpy.linalg.eigvalsh`` (which copy their input) need. Two LAPACKs ship
  with the dependencies and each is fast on one kind of CPU
  (:func:`lapack_for`): the MKL inside torch (Intel) and the OpenBLAS inside
  numpy, whose two-stage ``?syevd_2stage`` reduces to a band matrix with
  BLAS-3 before the memory-bound tridiagonal step. The threads of the call
  are the cores free at that moment (:func:`usable_cores`): LAPACK's
  tridiagonalisation synchronises its threads thousands of times, and a
  thread that waits for a core another process holds made a call 4-5x slower
  than one thread on a loaded 2-core machine.
- Many small matrices (DSMI's class and subset kernels): :func:`per_core`
  builds and solves each on one core, single-threaded. A 500 x 500
  tridiagonalisation does not scale over threads, so one problem per core is
  about twice as fast as one multithreaded call after another.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LAPACKS = ("auto", "mkl", "openblas")
ONE_STAGE_MAX_N = 700  # OpenBLAS's two-stage solver is the faster one above about this size


@functools.lru_cache(maxsize=None)
def cpu_vendor() -> str:
    """The CPU's vendor string (``GenuineIntel``, ``AuthenticAMD``, …; Linux
    /proc/cpuinfo), or "" where it cannot be read."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("vendor_id")), "")
    except OSError:
        return ""


def lapack_for(vendor: str) -> str:
    """The LAPACK for large eigenproblems on a CPU of ``vendor``: ``mkl`` on
    Intel, ``openblas`` elsewhere.

    MKL picks its optimised code paths by CPU vendor and runs generic ones on
    AMD; OpenBLAS has kernels for both. Measured: on an Intel Xeon (AVX-512)
    MKL's ``dsyevd`` took 1.30 s for N = 4000 against 1.54 s for OpenBLAS's
    two-stage and 2.35 s for its one-stage solver (float32: 0.72 s vs 1.04 s);
    on an AMD EPYC the MKL path was only 3.1x the reference, which runs
    OpenBLAS's one-stage solver (issue #16)."""
    return "mkl" if vendor == "GenuineIntel" else "openblas"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def usable_cores() -> int:
    """The cores this process may use now: its cores minus the tasks of other
    processes running at this moment (Linux /proc/loadavg), at least 1. All of
    its cores where that cannot be read, or where the process is pinned to a
    subset of the machine's CPUs (a SLURM job's cpuset): the machine-wide
    count would then be mostly other jobs on other cores."""
    cores = _cores()
    if cores < (os.cpu_count() or cores):
        return cores
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
        own = 0
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/stat") as f:
                own += f.read().rsplit(")", 1)[1].split()[0] == "R"
    except (OSError, ValueError, IndexError):
        return cores
    return max(1, min(cores, cores - (running - own)))


@functools.lru_cache(maxsize=None)
def _torch_lapack():
    """torch's own MKL: ({dtype: LP64 ?syevd}, MKL_Set_Num_Threads_Local,
    MKL_Get_Max_Threads), or None where it does not export them."""
    import torch

    path = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
    try:
        lib = ctypes.CDLL(path)
        return ({np.dtype(np.float64): lib.dsyevd_, np.dtype(np.float32): lib.ssyevd_},
                lib.MKL_Set_Num_Threads_Local, lib.MKL_Get_Max_Threads)
    except (OSError, AttributeError):
        return None


@functools.lru_cache(maxsize=None)
def _openblas():
    """numpy's OpenBLAS: ({(dtype, two-stage): ?syevd or ?syevd_2stage}, its
    integer type, its get_num_threads), or None where numpy links another
    BLAS or the routines are not exported."""
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("internal_api") != "openblas":
            continue
        try:
            lib = ctypes.CDLL(info["filepath"])
        except OSError:
            continue
        for prefix in ("scipy_", ""):  # the scipy-openblas wheels prefix their symbols
            for suffix, integer in (("_64_", ctypes.c_int64), ("_", ctypes.c_int)):
                names = {(np.dtype(dt), two): f"{prefix}{letter}syevd{'_2stage' if two else ''}{suffix}"
                         for dt, letter in (("float64", "d"), ("float32", "s")) for two in (False, True)}
                names["threads"] = f"{prefix}openblas_get_num_threads{suffix.removeprefix('_')}"
                if all(hasattr(lib, name) for name in names.values()):
                    routines = {key: getattr(lib, name) for key, name in names.items()}
                    return routines, integer, routines.pop("threads")
    return None


def _syevd_inplace(a: np.ndarray, routine, integer=ctypes.c_int) -> np.ndarray:
    """Eigenvalues (ascending) of the symmetric C- or F-contiguous matrix ``a``
    by ``?syevd`` or ``?syevd_2stage``, overwriting it: a workspace query,
    then the eigenvalues-only solve (``integer``: the LAPACK's integer type)."""
    n = a.shape[0]
    scalar = ctypes.c_float if a.dtype == np.float32 else ctypes.c_double
    w = np.empty(n, a.dtype)
    jobz, uplo, N, info = ctypes.c_char_p(b"N"), ctypes.c_char_p(b"L"), integer(n), integer(0)
    one = ctypes.c_size_t(1)  # the hidden lengths of the two character arguments (gfortran)

    def call(work, lwork, iwork, liwork):
        routine(jobz, uplo, ctypes.byref(N), a.ctypes.data_as(ctypes.c_void_p), ctypes.byref(N),
                w.ctypes.data_as(ctypes.c_void_p), work, ctypes.byref(integer(lwork)), iwork,
                ctypes.byref(integer(liwork)), ctypes.byref(info), one, one)
        if info.value != 0:
            raise RuntimeError(f"LAPACK ?syevd failed with info={info.value} (n={n})")

    wq, iq = scalar(0), integer(0)
    call(ctypes.byref(wq), -1, ctypes.byref(iq), -1)
    work = np.empty(max(1, int(wq.value)), a.dtype)
    iwork = np.empty(max(1, iq.value), np.int64 if integer is ctypes.c_int64 else np.int32)
    call(work.ctypes.data_as(ctypes.c_void_p), work.size, iwork.ctypes.data_as(ctypes.c_void_p), iwork.size)
    return w


@contextlib.contextmanager
def _mkl_threads(mkl):
    """MKL's threads on this thread limited to the usable cores for the block."""
    set_local, get_max = mkl[1], mkl[2]
    threads = get_max()
    previous = set_local(min(threads, usable_cores())) if threads > 1 else None
    try:
        yield
    finally:
        if previous is not None:
            set_local(previous)  # this thread's own setting, 0 = the process-wide one


@contextlib.contextmanager
def _openblas_threads(blas):
    """OpenBLAS's threads limited to the usable cores for the block."""
    if blas[2]() <= 1:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(min(blas[2](), usable_cores()), user_api="blas"):
        yield


def eigvalsh_inplace(a, lapack: str = "mkl"):
    """Eigenvalues (ascending, float64 numpy) of one symmetric CPU matrix,
    numpy array or torch tensor, destroying its contents, by ``lapack``
    (``mkl`` or ``openblas``); numpy's copying solver where that LAPACK is
    missing."""
    arr = a.numpy() if type(a).__module__.startswith("torch") else a
    if arr.dtype in (np.float32, np.float64) and (arr.flags.c_contiguous or arr.flags.f_contiguous):
        if lapack == "mkl" and (mkl := _torch_lapack()):
            with _mkl_threads(mkl):
                return _syevd_inplace(arr, mkl[0][arr.dtype]).astype(np.float64)
        if lapack == "openblas" and (blas := _openblas()):
            with _openblas_threads(blas):
                routine = blas[0][arr.dtype, arr.shape[0] > ONE_STAGE_MAX_N]
                return _syevd_inplace(arr, routine, blas[1]).astype(np.float64)
    return np.linalg.eigvalsh(arr).astype(np.float64)


def per_core(fn, items, mkl: bool = True) -> list:
    """[fn(x) for x in items] on one thread per core, each taking the next
    item as it finishes the last, with single-threaded BLAS and LAPACK
    (OpenBLAS, torch's MKL where ``mkl``, torch's own threads). No more
    threads than the process was given (torch's thread count, which a job's
    ``OMP_NUM_THREADS`` sets; 1 in a study's worker processes).

    For many small dense problems (DSMI's class and subset kernels): each is
    built and solved on one core while it sits in that core's cache, and the
    memory in use is one matrix per core instead of a stack of all of them.
    Torch's thread count is set to 1 for the duration (a process-wide
    setting) and restored after. ``mkl=False`` keeps to numpy (no torch
    import, for short CPU jobs)."""
    if not items:
        return []
    from threadpoolctl import threadpool_limits

    lapack = _torch_lapack() if mkl else None
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch else None
    try:
        if torch:
            torch.set_num_threads(1)
        with threadpool_limits(1), ThreadPoolExecutor(
                min(_cores(), threads or _cores(), len(items)),
                initializer=lapack[1] if lapack else None, initargs=(1,)) as pool:  # MKL: 1 thread here
            return list(pool.map(fn, items))
    finally:
        if torch:
            torch.set_num_threads(threads)
