"""How spectra are taken: exactly, by stochastic Lanczos quadrature, or
chosen by size."""
from __future__ import annotations

from dataclasses import dataclass

from .._validate import check_choice, check_positive

SOLVERS = ("exact", "slq", "auto")


@dataclass(frozen=True)
class Solver:
    """``exact``: all eigenvalues (O(n^3)); ``slq``: stochastic Lanczos
    quadrature with ``probes`` Rademacher probes x ``steps`` Lanczos steps
    (O(n^2) per step, returns a standard error), after integrating the
    ``deflate`` dominant directions deterministically (``deflate_steps``
    Lanczos steps each); ``auto``: exact up to
    ``exact_max_n`` points, SLQ above."""

    method: str = "exact"
    exact_max_n: int = 4096
    probes: int = 30
    steps: int = 50
    deflate: int = 32
    deflate_steps: int = 10
    seed: int = 0

    def __post_init__(self):
        check_choice(self.method, "solver", SOLVERS)
        check_positive(self.exact_max_n, "exact_max_n", integer=True)
        check_positive(self.probes, "slq_probes", integer=True)
        check_positive(self.steps, "slq_steps", integer=True)
        check_positive(self.deflate_steps, "slq_deflate_steps", integer=True)
        if isinstance(self.deflate, bool) or not isinstance(self.deflate, int) or self.deflate < 0:
            raise ValueError(f"slq_deflate must be a non-negative integer; got {self.deflate!r}")
        if self.probes < 2:
            raise ValueError(f"slq_probes must be at least 2 (for a standard error); got {self.probes}")

    def use_slq(self, n: int) -> bool:
        return self.method == "slq" or (self.method == "auto" and n > self.exact_max_n)


def as_solver(solver) -> Solver:
    """A Solver from a Solver or a method name."""
    if isinstance(solver, Solver):
        return solver
    check_choice(solver, "solver", SOLVERS)
    return Solver(method=solver)
