"""MFTMA run time: repscope's batched NNLS-dual solves against a plain loop over
single cvxopt QPs (the reference's approach), on Gaussian class clouds.

    python benchmarks/manifold.py --classes 10 50 100 --examples 50 --features 512 --n-t 200

Prints, per number of classes, the seconds for the QP phase alone and for the
whole analysis with each solver, and the ratios (baseline / repscope), all
measured in this run on this machine."""
from __future__ import annotations

import argparse
import time

import numpy as np

from repscope.metrics.manifold import anchor_geometry, manifold_geometry


def clouds(P, M, N, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(P), M)
    return rng.normal(size=(P, N))[y] * 2 + rng.normal(size=(P * M, N)), y


def problems(P, M, n_t, seed=0):
    """P manifolds of M points in M + 1 coordinates and their Gaussian vectors."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(P):
        pts = rng.normal(size=(M, M)) * 0.3
        out.append((np.vstack([(pts - pts.mean(0)).T, np.ones(M)]), rng.normal(size=(M + 1, n_t))))
    return out


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--features", type=int, default=512)
    parser.add_argument("--n-t", type=int, default=200)
    parser.add_argument("--n-reps", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    manifold_geometry(*clouds(3, 5, 8), n_t=5, qp_solver="cvxopt")  # warm up imports
    print(f"{'classes':>8}{'QP nnls s':>11}{'QP loop s':>11}{'ratio':>7}"
          f"{'total s':>10}{'total loop s':>14}{'ratio':>7}")
    for P in args.classes:
        probs = problems(P, args.examples, args.n_t)
        qp_fast = timed(lambda: [anchor_geometry(S, t, 0.0, "nnls") for S, t in probs])
        qp_loop = timed(lambda: [anchor_geometry(S, t, 0.0, "cvxopt") for S, t in probs])
        Z, y = clouds(P, args.examples, args.features)
        opts = dict(n_t=args.n_t, n_reps=args.n_reps, n_jobs=args.n_jobs)
        total_fast = timed(lambda: manifold_geometry(Z, y, qp_solver="nnls", **opts))
        total_loop = timed(lambda: manifold_geometry(Z, y, qp_solver="cvxopt", **opts))
        print(f"{P:>8}{qp_fast:>11.2f}{qp_loop:>11.2f}{qp_loop / qp_fast:>7.1f}"
              f"{total_fast:>10.2f}{total_loop:>14.2f}{total_loop / total_fast:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
