"""The spectral engine shared by every spectral measure: backends, kernels,
eigenvalues and spectral entropies."""
from .backend import BACKENDS, DTYPES, Backend
from .entropy import entropy_bits, spectrum_entropy
from .kernel import (BANDWIDTH_RULES, bandwidth, gather, gaussian_, normalize_symmetric_,
                     squared_distances)

__all__ = ["BACKENDS", "BANDWIDTH_RULES", "DTYPES", "Backend", "bandwidth", "entropy_bits",
           "gather", "gaussian_", "normalize_symmetric_", "spectrum_entropy", "squared_distances"]
