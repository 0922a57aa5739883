"""repscope against the reference package dse-dsmi 1.1, measured in one run.

Each measurement runs in a fresh process (so peak memory is its own) on the
same seeded data; the table gives seconds, the speed ratio, |difference| in
bits and peak resident memory above the process's baseline.

    python benchmarks/measures.py                  # the README table
    python benchmarks/measures.py --sizes 1000 2000 --dsmi 2000 --large 0 --layer 0   # a quick look

The last rows time one layer's measures in the pipeline's ``paper`` setting
(``repscope measure``: DSE, DSMI and CSMI against Y and the clusters of X,
CSE; solver auto) on N points of D = 512.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
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
    return lambda Z, y: tuple(diffusion_spectral_entropy(Z, max_n=None, dtype=dtype, solver=solver,
                                                         return_stderr=True))


def _job(kind, n, d, classes, queue):
    """One timed call in this (child) process: (seconds, value, stderr, peak MB).
    Imports and a warm-up call on min(n, 2000) other points come before the
    clock and the memory baseline, so both count the computation only (MKL
    initialises itself on its first large eigenproblem, 0.5-1 s once per
    process)."""
    import numpy as np

    call = _call(kind)
    call(*_data(min(n, WARMUP_N), d, seed=1, classes=classes))
    Z, y = _data(n, d, classes=classes)
    base = _reset_peak()
    start = time.perf_counter()
    value, stderr = call(Z, y)
    seconds = time.perf_counter() - start
    queue.put((seconds, float(np.real(value)), float(stderr), _peak_mb() - base))


def measure(kind, n, d=256, classes=0):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_job, args=(kind, n, d, classes, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 4000, 8000, 10000])
    parser.add_argument("--dsmi", type=int, nargs="*", default=[5000, 10000])
    parser.add_argument("--large", type=int, default=50000, help="DSE by SLQ at this N (0: skip)")
    parser.add_argument("--layer", type=int, default=10000, help="per-layer pipeline measures at this N (0: skip)")
    parser.add_argument("--dim", type=int, default=256)
    args = parser.parse_args(argv)

    print(f"DSE, D = {args.dim}, sigma = 10, t = 1; ratio = reference s / repscope s; "
          "memory = peak RSS above baseline")
    print(f"| N | method | reference s | repscope s | ratio | abs diff (bits) | SLQ stderr | "
          f"reference MB | repscope MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        ref_s, ref_v, _, ref_mb = measure("ref-dse", n, args.dim)
        for kind, label in (("dse64", "exact float64"), ("dse32", "exact float32"), ("slq32", "SLQ float32")):
            if kind.startswith("slq") and n < 4000:
                continue
            s, v, err, mb = measure(kind, n, args.dim)
            print(f"| {n} | {label} | {ref_s:.2f} | {s:.2f} | {ref_s / s:.1f}x | {abs(v - ref_v):.1e} | "
                  f"{err:.3f} | {ref_mb:.0f} | {mb:.0f} |", flush=True)
    for n in args.dsmi:
        ref_s, ref_v, _, ref_mb = measure("ref-dsmi", n, args.dim, classes=10)
        for kind, label in (("dsmi64", "float64"), ("dsmi32", "float32")):
            s, v, _, mb = measure(kind, n, args.dim, classes=10)
            print(f"| {n} | DSMI, 10 classes ({label}) | {ref_s:.2f} | {s:.2f} | {ref_s / s:.1f}x | "
                  f"{abs(v - ref_v):.1e} | | {ref_mb:.0f} | {mb:.0f} |", flush=True)
    if args.large:
        s, v, err, mb = measure("slq32", args.large, args.dim)
        print(f"| {args.large} | SLQ float32 (no subsampling; the reference cannot) | | {s:.2f} | | | "
              f"{err:.3f} | | {mb:.0f} |", flush=True)
    for kind, label in (("layer64", "float64"), ("layer32", "float32")):
        if args.layer:
            s, _, _, mb = measure(kind, args.layer, 512, classes=10)
            print(f"| {args.layer} | one layer's pipeline measures, paper setting, D = 512 ({label}) | | "
                  f"{s:.2f} | | | | | {mb:.0f} |", flush=True)


if __name__ == "__main__":
    main()
