"""Symmetric eigenvalues on the CPU, tuned for the two shapes the measures need.

- One large matrix: LAPACK ``?syevd`` called in place on the caller's buffer
  (the MKL that ships inside torch, through ctypes), so DSE at N points holds
  one N x N matrix instead of the two that ``torch.linalg.eigvalsh`` (which
  copies its input) needs. Falls back to ``torch.linalg.eigvalsh`` where that
  MKL is not present (e.g. torch builds without MKL).
- Many small matrices (DSMI's class and subset kernels): :func:`per_core`
  builds and solves each on one core, single-threaded. A 500 x 500
  tridiagonalisation does not scale over threads, so one problem per core is
  about twice as fast as one multithreaded call after another.
"""
from __future__ import annotations

import ctypes
import functools
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np


@functools.lru_cache(maxsize=None)
def _torch_lapack():
    """torch's own MKL: ({dtype: LP64 ?syevd}, MKL_Set_Num_Threads_Local), or
    None where it does not export them."""
    import torch

    path = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
    try:
        lib = ctypes.CDLL(path)
        return ({np.dtype(np.float64): lib.dsyevd_, np.dtype(np.float32): lib.ssyevd_},
                lib.MKL_Set_Num_Threads_Local)
    except (OSError, AttributeError):
        return None


def _syevd_inplace(a: np.ndarray, routine) -> np.ndarray:
    """Eigenvalues (ascending) of the symmetric C- or F-contiguous matrix ``a``,
    overwriting it: a workspace query, then the eigenvalues-only solve."""
    n = a.shape[0]
    scalar = ctypes.c_float if a.dtype == np.float32 else ctypes.c_double
    w = np.empty(n, a.dtype)
    jobz, uplo, N, info = ctypes.c_char_p(b"N"), ctypes.c_char_p(b"L"), ctypes.c_int(n), ctypes.c_int(0)

    def call(work, lwork, iwork, liwork):
        routine(jobz, uplo, ctypes.byref(N), a.ctypes.data_as(ctypes.c_void_p), ctypes.byref(N),
                w.ctypes.data_as(ctypes.c_void_p), work, ctypes.byref(ctypes.c_int(lwork)), iwork,
                ctypes.byref(ctypes.c_int(liwork)), ctypes.byref(info))
        if info.value != 0:
            raise RuntimeError(f"LAPACK ?syevd failed with info={info.value} (n={n})")

    wq, iq = scalar(0), ctypes.c_int(0)
    call(ctypes.byref(wq), -1, ctypes.byref(iq), -1)
    work, iwork = np.empty(max(1, int(wq.value)), a.dtype), np.empty(max(1, iq.value), np.int32)
    call(work.ctypes.data_as(ctypes.c_void_p), work.size, iwork.ctypes.data_as(ctypes.c_void_p), iwork.size)
    return w


def eigvalsh_inplace(a):
    """Eigenvalues (ascending, float64 numpy) of one symmetric CPU matrix,
    numpy array or torch tensor, destroying its contents."""
    import torch

    tensor = isinstance(a, torch.Tensor)
    arr = a.numpy() if tensor else a
    syevd = (_torch_lapack() or ({}, None))[0]
    if arr.dtype not in syevd or not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        return torch.linalg.eigvalsh(a if tensor else torch.from_numpy(a)).double().numpy()
    return _syevd_inplace(arr, syevd[arr.dtype]).astype(np.float64)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def per_core(fn, items, mkl: bool = True) -> list:
    """[fn(x) for x in items] on one thread per core, each taking the next
    item as it finishes the last, with single-threaded BLAS and LAPACK
    (OpenBLAS, torch's MKL where ``mkl``, torch's own threads).

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
                min(_cores(), len(items)),
                initializer=lapack[1] if lapack else None, initargs=(1,)) as pool:  # MKL: 1 thread here
            return list(pool.map(fn, items))
    finally:
        if torch:
            torch.set_num_threads(threads)
