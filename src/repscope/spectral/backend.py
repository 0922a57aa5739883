"""Array backends for the spectral engine: numpy (float64) or torch (CPU or
CUDA, float32 or float64), behind one small set of operations so every kernel
and spectrum is written once."""
from __future__ import annotations

import math
import mmap
from dataclasses import dataclass

import numpy as np

from .._validate import _is_torch, check_choice
from .lapack import LAPACKS, cpu_vendor, lapack_for

BACKENDS = ("numpy", "torch")
DTYPES = ("float32", "float64")
POPULATE_BYTES = 64 * 2**20  # CPU arrays from this size on are mapped with their pages populated


def follow_dtype(Z, dtype=None, backend: str = "torch") -> str:
    """The working precision: ``dtype`` where given, else the input's —
    float32 points are computed in float32 (half the memory, about twice the
    speed, within ~1e-6 bits of float64), anything else (float64, integers,
    float16, …) in float64; the numpy backend always computes in float64."""
    if dtype is not None:
        return dtype
    return "float32" if backend == "torch" and str(getattr(Z, "dtype", "")).endswith("float32") else "float64"


@dataclass(frozen=True)
class Backend:
    """Where and in which precision the spectral work runs.

    ``numpy`` runs float64 on the CPU (no torch import); ``torch`` runs on
    ``device`` (``cpu``, ``cuda``, ``cuda:1`` …) in ``dtype`` (see
    :func:`follow_dtype` for the measures' default). ``lapack`` is the LAPACK
    that solves large CPU eigenproblems: ``auto`` picks by CPU vendor
    (:func:`repscope.spectral.lapack.lapack_for`), ``mkl`` (torch's; torch
    backend only) or ``openblas`` (numpy's) force one."""

    name: str = "torch"
    dtype: str = "float64"
    device: str = "cpu"
    lapack: str = "auto"

    def __post_init__(self):
        check_choice(self.name, "backend", BACKENDS)
        check_choice(self.dtype, "dtype", DTYPES)
        check_choice(self.lapack, "lapack", LAPACKS)
        if self.name == "numpy" and self.lapack == "mkl":
            raise ValueError("lapack='mkl' needs backend='torch' (the MKL ships inside torch); "
                             "allowed with backend='numpy': 'auto', 'openblas'")
        if self.name == "numpy" and self.dtype != "float64":
            raise ValueError(f"dtype must be 'float64' with backend='numpy'; got {self.dtype!r} "
                             "(use backend='torch' for float32)")
        if self.name == "numpy" and self.device != "cpu":
            raise ValueError(f"device must be 'cpu' with backend='numpy'; got {self.device!r}")
        if self.name == "torch" and str(self.device).startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ValueError(f"device={self.device!r} was asked for but CUDA is not available; "
                                 "allowed here: 'cpu'")

    # ---- conversion -------------------------------------------------------
    def asarray(self, x):
        """x (numpy or torch) in this backend's dtype and device."""
        if self.name == "numpy":
            return np.asarray(x.detach().cpu().numpy() if _is_torch(x) else x, dtype=np.float64)
        import torch

        dt = getattr(torch, self.dtype)
        if _is_torch(x):
            return x.detach().to(device=self.device, dtype=dt)
        return torch.as_tensor(np.asarray(x), dtype=dt, device=self.device)

    def cast(self, a):
        """a (e.g. a boolean mask) in this backend's working dtype."""
        if self.name == "numpy":
            return a.astype(np.float64)
        import torch

        return a.to(getattr(torch, self.dtype))

    def index(self, idx):
        """Integer indices usable on this backend's arrays."""
        if self.name == "numpy":
            return np.asarray(idx)
        import torch

        return torch.as_tensor(np.asarray(idx), dtype=torch.long, device=self.device)

    def zeros(self, shape):
        """A zero-filled array of ``shape`` in this backend's dtype and device.

        Large CPU arrays (kernels, Lanczos bases) get their own anonymous
        mapping with every page populated in one call (Linux MAP_POPULATE)
        instead of one page fault per 4 KiB as the array is first written:
        4 GiB took 1.7-2.1 s instead of 4.5-13 s on the project's (sandboxed)
        machine, and it is never slower on plain Linux."""
        if self.device == "cpu" and self.nbytes(shape) >= POPULATE_BYTES and hasattr(mmap, "MAP_POPULATE"):
            buf = mmap.mmap(-1, self.nbytes(shape), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)
            a = np.frombuffer(buf, dtype=self.dtype).reshape(shape)  # the array keeps the mapping alive
            return a if self.name == "numpy" else self.as_torch(a)
        if self.name == "numpy":
            return np.zeros(shape)
        import torch

        return torch.zeros(shape, dtype=getattr(torch, self.dtype), device=self.device)

    def nbytes(self, shape) -> int:
        return math.prod(shape) * (8 if self.dtype == "float64" else 4)

    def fits(self, shape) -> bool:
        """Whether an array of ``shape`` fits in the device's free memory."""
        return self.nbytes(shape) <= _free_bytes(self.device)

    def check_fits(self, shape, what: str = "the kernel"):
        """Raise a MemoryError before allocating an array of ``shape`` that the
        device cannot hold (on Linux an over-committed allocation would
        otherwise be killed without a message once it is touched)."""
        need, free = self.nbytes(shape), _free_bytes(self.device)
        if need > free:
            raise MemoryError(
                f"{what} needs a {' x '.join(map(str, shape))} {self.dtype} array ({need / 2**30:.1f} GiB) but "
                f"only {free / 2**30:.1f} GiB is free on {self.device}; lower max_n (subsample), use "
                "dtype='float32', solver='slq' with a numeric sigma (packed or matrix-free), or a machine with "
                "more memory")

    # ---- operations --------------------------------------------------------
    def sqrt(self, a):
        return np.sqrt(a) if self.name == "numpy" else a.sqrt()

    def exp_(self, a):
        if self.name == "numpy":
            return np.exp(a, out=a)
        return a.exp_()

    def matmul_(self, out, a, b):
        """a @ b written into ``out`` (e.g. an array from :meth:`zeros`)."""
        if self.name == "numpy":
            return np.matmul(a, b, out=out)
        import torch

        return torch.matmul(a, b, out=out)

    def clamp_min_(self, a, lo):
        if self.name == "numpy":
            return np.maximum(a, lo, out=a)
        return a.clamp_min_(lo)

    def fill_diagonal_(self, a, value):
        if self.name == "numpy":
            for i in range(a.shape[-1]):
                a[..., i, i] = value
            return a
        a.diagonal(dim1=-2, dim2=-1).fill_(value)
        return a

    def kth_smallest(self, a, k):
        """Per row, the k-th smallest entry (k = 1 is the minimum)."""
        if self.name == "numpy":
            return np.partition(a, k - 1, axis=-1)[..., k - 1]
        return a.kthvalue(k, dim=-1).values

    def as_torch(self, a):
        """A torch view of a numpy array (shared memory); anything else as it is."""
        import torch

        return torch.from_numpy(a) if isinstance(a, np.ndarray) else a

    def to_numpy(self, a) -> np.ndarray:
        return a if self.name == "numpy" else a.detach().cpu().numpy()

    @property
    def cpu_lapack(self) -> str:
        """``lapack`` resolved: OpenBLAS for ``numpy``; by CPU vendor for ``torch``."""
        if self.lapack != "auto":
            return self.lapack
        return "openblas" if self.name == "numpy" else lapack_for(cpu_vendor())

    def eigvalsh(self, a) -> np.ndarray:
        """Eigenvalues (ascending, float64 numpy) of a symmetric matrix or a
        stack of them. A CPU matrix is overwritten (no copy) by
        :attr:`cpu_lapack`; a CPU stack runs one matrix per core (see
        :mod:`repscope.spectral.lapack`)."""
        if self.device != "cpu":
            import torch

            return torch.linalg.eigvalsh(a).double().cpu().numpy()
        from .lapack import eigvalsh_inplace, per_core

        if a.ndim == 3:
            return np.stack(per_core(self.eigvalsh, list(a), mkl=self.name == "torch"))
        return eigvalsh_inplace(a, self.cpu_lapack)

    def eigvals_general(self, a) -> np.ndarray:
        """Complex eigenvalues of a general square matrix (numpy complex128).

        Always numpy's LAPACK on the CPU: binarised k-NN graphs are often
        defective, their eigenvalues ill-conditioned, and one LAPACK build gives
        reproducible values where another would differ in the 5th digit."""
        return np.linalg.eigvals(np.asarray(self.to_numpy(a), dtype=np.float64))


def _free_bytes(device: str) -> float:
    """Memory an allocation can still take on ``device``: CUDA's free memory;
    on the CPU, MemAvailable capped by the cgroup's limit (SLURM jobs); inf
    where neither can be read."""
    if str(device).startswith("cuda"):
        import torch

        return float(torch.cuda.mem_get_info(torch.device(device))[0])
    free = math.inf
    try:
        with open("/proc/meminfo") as f:
            free = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        if limit != "max":
            with open("/sys/fs/cgroup/memory.current") as f:
                free = min(free, int(limit) - int(f.read()))
    except (OSError, StopIteration, ValueError):
        pass
    return free
