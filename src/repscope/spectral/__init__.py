"""The spectral engine shared by every spectral measure: backends, kernels,
eigenvalues and spectral entropies."""
from .backend import BACKENDS, DTYPES, Backend
from .entropy import entropy_bits, spectrum_entropy
from .slq import Estimate, lanczos_quadrature, slq_spectrum_entropy
from .solver import SOLVERS, Solver, as_solver
from .kernel import (BANDWIDTH_RULES, bandwidth, gaussian_, normalize_symmetric_,
                     squared_distances)

__all__ = ["BACKENDS", "BANDWIDTH_RULES", "DTYPES", "SOLVERS", "Backend", "Estimate", "Solver", "as_solver",
           "bandwidth", "entropy_bits", "gaussian_", "lanczos_quadrature",
           "normalize_symmetric_", "slq_spectrum_entropy", "spectrum_entropy", "squared_distances"]
