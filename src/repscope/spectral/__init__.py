"""The spectral engine shared by every spectral measure: backends, kernels,
eigenvalues and spectral entropies."""
from .backend import BACKENDS, DTYPES, Backend, follow_dtype
from .entropy import entropy_bits, spectrum_entropy
from .slq import Estimate, lanczos_quadrature, slq_spectrum_entropy
from .solver import SOLVERS, Solver, as_solver
from .kernel import (BANDWIDTH_RULES, bandwidth, cross_squared_distances, gaussian_, normalize_symmetric_,
                     squared_distances)
from .operator import DiffusionOperator, PackedDiffusionOperator
from .setup import ADJACENCY_KINDS, SpectralSetup

__all__ = ["ADJACENCY_KINDS", "BACKENDS", "BANDWIDTH_RULES", "DTYPES", "SOLVERS", "Backend", "DiffusionOperator",
           "Estimate", "PackedDiffusionOperator", "Solver", "SpectralSetup", "as_solver", "bandwidth",
           "cross_squared_distances", "entropy_bits", "follow_dtype", "gaussian_", "lanczos_quadrature",
           "normalize_symmetric_", "slq_spectrum_entropy", "spectrum_entropy", "squared_distances"]
