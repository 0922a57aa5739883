"""Measures as pure functions of [N, D] arrays (numpy or torch): entropies and
mutual information in bits."""
from .baselines import (binned_mutual_information, effective_rank, ksg_mutual_information,
                        von_neumann_entropy)
from .dse import (adjacency_spectral_entropy, diffusion_spectral_entropy, diffusion_spectrum,
                  matrix_entry_entropy)
from .dsmi import (MutualInformation, adjacency_spectral_mutual_information,
                   classic_shannon_mutual_information, cluster_reference,
                   diffusion_spectral_measures, diffusion_spectral_mutual_information)
from .neural import infonce_mutual_information, mine_mutual_information
from .shannon import classic_shannon_entropy

__all__ = ["MutualInformation", "adjacency_spectral_entropy",
           "adjacency_spectral_mutual_information", "binned_mutual_information",
           "classic_shannon_entropy", "classic_shannon_mutual_information", "cluster_reference",
           "diffusion_spectral_entropy", "diffusion_spectral_measures",
           "diffusion_spectral_mutual_information", "diffusion_spectrum", "effective_rank",
           "infonce_mutual_information", "ksg_mutual_information", "matrix_entry_entropy",
           "mine_mutual_information", "von_neumann_entropy"]
