"""Measures as pure functions of [N, D] arrays (numpy or torch): entropies and
mutual information in bits."""
from .ablation import AblationImportance, ablation_importance
from .baselines import effective_rank, ksg_mutual_information, von_neumann_entropy
from .binned import (classic_shannon_entropy, conditional_entropy, information_plane, joint_entropy,
                     modularity_comparisons, mutual_information, pooled_conditional_entropy,
                     pooled_entropy, pooled_mutual_information)
from .dib import DecodableInformation, decodable_information, nuisance_digits
from .dse import (adjacency_spectral_entropy, diffusion_spectral_entropy, diffusion_spectrum,
                  matrix_entry_entropy)
from .dsmi import (MutualInformation, adjacency_spectral_mutual_information, binned_mutual_information,
                   classic_shannon_mutual_information, diffusion_spectra, diffusion_spectral_measures,
                   diffusion_spectral_mutual_information, measures_from_spectra)
from .geometry import (knn_accuracy, linear_cka, linear_probe_accuracy,
                       twonn_intrinsic_dimension)
from .manifold import ManifoldGeometry, manifold_geometry
from .nc1 import NC1Accumulator, nc1, nc1_streaming
from .reference import cluster_reference
from .variational import infonce_mutual_information, mine_mutual_information

__all__ = ["AblationImportance", "DecodableInformation", "ManifoldGeometry", "MutualInformation",
           "NC1Accumulator", "ablation_importance", "adjacency_spectral_entropy",
           "adjacency_spectral_mutual_information", "binned_mutual_information",
           "classic_shannon_entropy", "classic_shannon_mutual_information", "cluster_reference",
           "conditional_entropy", "decodable_information", "diffusion_spectra", "diffusion_spectral_entropy",
           "diffusion_spectral_measures", "diffusion_spectral_mutual_information",
           "diffusion_spectrum", "effective_rank", "infonce_mutual_information",
           "information_plane", "joint_entropy", "knn_accuracy", "ksg_mutual_information", "linear_cka",
           "linear_probe_accuracy", "manifold_geometry",
           "matrix_entry_entropy", "measures_from_spectra", "mine_mutual_information", "modularity_comparisons",
           "mutual_information", "nc1", "nc1_streaming", "nuisance_digits",
           "pooled_conditional_entropy", "pooled_entropy", "pooled_mutual_information", "twonn_intrinsic_dimension",
           "von_neumann_entropy"]
