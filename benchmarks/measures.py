"""repscope against the reference package dse-dsmi 1.1, measured in one run.

Each measurement runs in a fresh process (so peak memory is its own) on the
same seeded data; the table gives seconds, the speed ratio, |difference| in
bits and peak resident memory above the process's baseline. A measurement
follows a warm-up call on 2000 other points, except at the ``--first`` sizes:
there the process times its very first call (after importing the package;
lazy imports, LAPACK's and the thread pools' set-up, fresh memory all
included) and then the same call again, so one process gives the row "first
call" and the row of the warm call.

    python benchmarks/measures.py                  # the README table
    python benchmarks/measures.py --sizes 1000 2000 --dsmi 2000 --large 0 --layer 0   # a quick look

The header names the CPU, the LAPACK repscope chose for it and the load
average before and after (the ratios are taken in one run, so a load slows
both sides, but not equally: repscope's LAPACK calls take only the cores free
at the time; ``--threads 1`` runs both packages on one thread, which compares
the algorithms alone). The ``--large`` row measures DSE of float32 points with the
API's defaults (dtype follows the input, ``solver="auto"``: SLQ) and
``max_n=None``. The last rows time one layer's measures in the pipeline's
``paper`` setting (``repscope measure``: DSE, DSMI and CSMI against Y and the
clusters of X, CSE; solver auto) on N points of D = 512.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time


WARMUP_N = 2000


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmHWM"].split()[0]) / 1024


def _reset_peak() -> float:
    """Reset the peak-RSS counter (Linux) and return the current RSS in MB."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) / 1024


def _data(n, d, seed=0, classes=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    if not classes:
        return rng.uniform(0, 1, (n, d)) * 4, None
    y = np.repeat(np.arange(classes), n // classes)
    return rng.normal(size=(classes, d))[y] * 2 + rng.normal(size=(n, d)), y


def _call(kind):
    """The measurement ``kind`` as a function of (Z, y) -> (value, stderr)."""
    import dse_dsmi
    import numpy as np

    from repscope.metrics import diffusion_spectral_entropy, diffusion_spectral_mutual_information
    from repscope.spectral import Solver

    if kind == "ref-dse":
        return lambda Z, y: (dse_dsmi.diffusion_spectral_entropy(Z, max_N=None), 0.0)
    if kind == "default32":  # float32 points, every default but max_n
        return lambda Z, y: tuple(diffusion_spectral_entropy(Z.astype(np.float32), max_n=None, solver="auto",
                                                             return_stderr=True))
    if kind == "ref-dsmi":
        return lambda Z, y: (dse_dsmi.diffusion_spectral_mutual_information(Z, y)[0], 0.0)
    dtype = "float32" if kind.endswith("32") else "float64"
    if kind.startswith("layer"):
        from repscope.config import compose
        from repscope.pipeline.measure import measure_layer

        m = compose(["experiment=paper", "metrics.device=cpu", f"metrics.dtype={dtype}"]).metrics
        x_clusters = np.random.default_rng(2).integers(0, 10, 10**6)
        return lambda Z, y: (len(measure_layer(Z, y, x_clusters[:len(y)], m)), 0.0)
    if kind.startswith("dsmi"):
        return lambda Z, y: (diffusion_spectral_mutual_information(Z, y, sampling="reference", dtype=dtype).mi, 0.0)
    solver = Solver("slq") if kind.startswith("slq") else "exact"
    backend = "numpy" if kind.startswith("np") else "torch"
    return lambda Z, y: tuple(diffusion_spectral_entropy(Z, max_n=None, dtype=dtype, solver=solver, backend=backend,
                                                         return_stderr=True))


def _timed(call, Z, y):
    """(seconds, value, stderr, peak MB above the baseline, CPU seconds of
    all threads) of one call."""
    import numpy as np

    base = _reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    value, stderr = call(Z, y)
    seconds = time.perf_counter() - start
    return seconds, float(np.real(value)), float(stderr), _peak_mb() - base, time.process_time() - cpu


def _job(kind, n, d, classes, first, queue):
    """Timed calls in this (child) process: [(seconds, value, stderr, peak MB, CPU seconds)].
    ``first``: the first call, then the same again; else one call after
    imports and a warm-up call on min(n, 2000) other points, so the clock
    and the memory baseline count the computation only."""
    call = _call(kind)
    if not first:
        call(*_data(min(n, WARMUP_N), d, seed=1, classes=classes))
    Z, y = _data(n, d, classes=classes)
    queue.put([_timed(call, Z, y) for _ in range(2 if first else 1)])


def measure(kind, n, d=256, classes=0, first=False):
    """[(seconds, value, stderr, peak MB, CPU seconds)]: the warm call, or the
    first call and the warm call where ``first``."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_job, args=(kind, n, d, classes, first, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def machine() -> str:
    """The CPU model, its vendor and the LAPACK repscope picks for it."""
    from repscope.spectral import Backend
    from repscope.spectral.lapack import cpu_vendor

    with open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    return f"{model} ({cpu_vendor() or 'unknown vendor'}, {os.cpu_count()} cores); LAPACK: {Backend().cpu_lapack}"


def load() -> str:
    """The 1-minute load average (runnable tasks; above the core count means contention)."""
    return f"{os.getloadavg()[0]:.1f}"


def _row(n, label, ref, ours, stderr=True):
    """One table row; ``ref`` None where the reference has no counterpart."""
    s, v, err, mb, _ = ours
    err = f"{err:.3f}" if stderr else ""
    if ref is None:
        return f"| {n} | {label} | | {s:.2f} | | | {err} | | {mb:.0f} |"
    ref_s, ref_v, _, ref_mb, _ = ref
    return (f"| {n} | {label} | {ref_s:.2f} | {s:.2f} | {ref_s / s:.1f}x | {abs(v - ref_v):.1e} | {err} | "
            f"{ref_mb:.0f} | {mb:.0f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 4000, 8000, 10000])
    parser.add_argument("--first", type=int, nargs="*", default=[2000, 10000],
                        help="sizes (of --sizes) that also get a first-call row")
    parser.add_argument("--dsmi", type=int, nargs="*", default=[5000, 10000])
    parser.add_argument("--large", type=int, default=50000,
                        help="DSE of float32 points with the defaults (SLQ) at this N (0: skip)")
    parser.add_argument("--layer", type=int, default=10000, help="per-layer pipeline measures at this N (0: skip)")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0,
                        help="BLAS/LAPACK/OpenMP threads of both packages (0: their defaults); 1 compares the "
                             "algorithms alone, whatever the load")
    args = parser.parse_args(argv)
    if args.threads:  # the children inherit it
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    threads = args.threads or "default"
    print(f"CPU: {machine()}; threads: {threads}; load average (1 min) at the start: {load()}")
    print(f"DSE, D = {args.dim}, sigma = 10, t = 1; ratio = reference s / repscope s; "
          "memory = peak RSS above baseline")
    print("| N | method | reference s | repscope s | ratio | abs diff (bits) | SLQ stderr | "
          "reference MB | repscope MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        first = n in args.first
        ref = measure("ref-dse", n, args.dim, first=first)
        for kind, label in (("dse64", "exact float64"), ("np64", "exact float64, backend numpy"),
                            ("dse32", "exact float32"), ("slq32", "SLQ float32")):
            if (kind.startswith("slq") and n < 4000) or (kind.startswith("np") and not first):
                continue
            ours = measure(kind, n, args.dim, first=first and kind.endswith("64"))
            if len(ours) == 2:
                print(_row(n, f"{label}, first call in a fresh process", ref[0], ours[0]), flush=True)
            print(_row(n, label, ref[-1], ours[-1]), flush=True)
    for n in args.dsmi:
        ref = measure("ref-dsmi", n, args.dim, classes=10)[-1]
        for kind, label in (("dsmi64", "float64"), ("dsmi32", "float32")):
            ours = measure(kind, n, args.dim, classes=10)[-1]
            print(_row(n, f"DSMI, 10 classes ({label})", ref, ours, stderr=False), flush=True)
    if args.large:
        ours = measure("default32", args.large, args.dim)[-1]
        print(_row(args.large, f"float32 points, defaults (SLQ; the reference cannot without subsampling; "
                               f"{ours[-1]:.0f} CPU s)", None, ours), flush=True)
    for kind, label in (("layer64", "float64"), ("layer32", "float32")):
        if args.layer:
            s, _, _, mb, _ = measure(kind, args.layer, 512, classes=10)[-1]
            print(f"| {args.layer} | one layer's pipeline measures, paper setting, D = 512 ({label}) | | "
                  f"{s:.2f} | | | | | {mb:.0f} |", flush=True)
    print(f"load average (1 min) at the end: {load()}")


if __name__ == "__main__":
    main()
