"""repscope against the reference package dse-dsmi 1.1 on fixed seeds."""
import numpy as np
import pytest

dse_dsmi = pytest.importorskip("dse_dsmi")

from repscope.metrics import (adjacency_spectral_entropy, adjacency_spectral_mutual_information,
                              classic_shannon_entropy, classic_shannon_mutual_information,
                              diffusion_spectral_entropy, diffusion_spectral_mutual_information,
                              matrix_entry_entropy)

TOL = 1e-9
# k-NN graphs are often defective, their eigenvalues ill-conditioned (one LAPACK build differs
# from another in the 5th digit): the reference's one dense solve and repscope's solve per
# strongly connected component (the same eigenvalues in exact arithmetic) differ by up to ~2e-5
# bits in the MI of a 6-dimensional cloud, ~1e-8 bits in the entropy below
KNN_TOL = 1e-4
CASES = [(200, 5, 1.0, 1), (400, 64, 10.0, 2), (700, 256, 5.0, 3), (300, 20, 2.0, 1.5)]


def data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) * 2 + rng.uniform(-1, 1, size=d)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("n,d,sigma,t", CASES)
def test_dse_matches_reference(n, d, sigma, t, backend):
    Z = data(n, d)
    ref = dse_dsmi.diffusion_spectral_entropy(Z, gaussian_kernel_sigma=sigma, t=t)
    got = diffusion_spectral_entropy(Z, sigma=sigma, t=t, backend=backend)
    assert abs(got - ref) < TOL


@pytest.mark.parametrize("n,d,sigma,t", CASES[:3])
def test_cse_and_matrix_entry_match_reference(n, d, sigma, t):
    Z = data(n, d, seed=1)
    for bins in (2, 3):
        ref = dse_dsmi.diffusion_spectral_entropy(Z, classic_shannon_entropy=True, num_bins_per_dim=bins)
        assert abs(classic_shannon_entropy(Z, bins) - ref) < TOL
    ref = dse_dsmi.diffusion_spectral_entropy(Z, gaussian_kernel_sigma=sigma, matrix_entry_entropy=True)
    assert abs(matrix_entry_entropy(Z, sigma) - ref) < TOL


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kind", ["gaussian", "anisotropic", "knn"])
@pytest.mark.parametrize("n,d,sigma", [(250, 8, 3.0), (500, 100, 10.0)])
def test_adjacency_entropy_matches_reference(kind, n, d, sigma, backend):
    Z = data(n, d, seed=2)
    ref = dse_dsmi.adjacency_spectral_entropy(Z, gaussian_kernel_sigma=sigma,
                                              anisotropic=kind == "anisotropic",
                                              use_knn=kind == "knn", knn=7)
    got = adjacency_spectral_entropy(Z, sigma, kind=kind, knn=7, backend=backend)
    assert abs(got - ref) < (KNN_TOL if kind == "knn" else TOL)


def test_max_n_subsample_matches_reference():
    Z = data(600, 16, seed=3)
    ref = dse_dsmi.diffusion_spectral_entropy(Z, max_N=250, random_seed=7)
    got = diffusion_spectral_entropy(Z, max_n=250, seed=7, sampling="reference")
    assert abs(got - ref) < TOL
    other = diffusion_spectral_entropy(Z, max_n=250, seed=7)  # numpy Generator: another subset
    assert abs(other - ref) > TOL


def labelled(n=600, d=32, classes=6, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    centres = rng.normal(size=(classes, d)) * 4
    return centres[y] + rng.normal(size=(n, d)), y


@pytest.mark.parametrize("sigma,t", [(10.0, 1), (3.0, 2)])
def test_dsmi_labels_matches_reference_in_reference_mode(sigma, t):
    Z, y = labelled()
    ref, ref_clusters = dse_dsmi.diffusion_spectral_mutual_information(
        Z, y, gaussian_kernel_sigma=sigma, t=t, random_seed=3)
    got = diffusion_spectral_mutual_information(Z, y, sigma=sigma, t=t, seed=3, sampling="reference")
    assert abs(got.mi - ref) < TOL
    assert np.array_equal(got.clusters, np.ravel(ref_clusters))
    assert got.mi > 0.5  # separated classes carry information


def test_dsmi_scalar_and_vector_references_match_reference():
    Z, _ = labelled(n=400, seed=5)
    rng = np.random.default_rng(5)
    s = rng.uniform(size=(400, 1))
    ref, _ = dse_dsmi.diffusion_spectral_mutual_information(Z, s, n_clusters=4)
    got = diffusion_spectral_mutual_information(Z, s, n_clusters=4, sampling="reference")
    assert abs(got.mi - ref) < TOL
    X = Z[:, :10] + rng.normal(size=(400, 10))
    ref, ref_clusters = dse_dsmi.diffusion_spectral_mutual_information(Z, X, n_clusters=5)
    got = diffusion_spectral_mutual_information(Z, X, n_clusters=5, sampling="reference")
    assert abs(got.mi - ref) < TOL
    again = diffusion_spectral_mutual_information(Z, clusters=got.clusters, sampling="reference")
    assert again.mi == got.mi


def test_csmi_and_adjacency_mi_match_reference():
    Z, y = labelled(n=400, d=6, seed=6)
    ref, _ = dse_dsmi.diffusion_spectral_mutual_information(Z, y, classic_shannon_entropy=True,
                                                            num_bins_per_dim=3)
    got = classic_shannon_mutual_information(Z, y, num_bins_per_dim=3, sampling="reference")
    assert abs(got.mi - ref) < TOL
    for kind in ("gaussian", "knn"):
        ref, _ = dse_dsmi.adjacency_spectral_mutual_information(Z, y, use_knn=kind == "knn")
        got = adjacency_spectral_mutual_information(Z, y, kind=kind, sampling="reference")
        assert abs(got.mi - ref) < (KNN_TOL if kind == "knn" else TOL)


def test_dsmi_generator_mode_within_spread_of_repetitions():
    Z, y = labelled(n=500, d=16, classes=4, seed=8)
    Z = Z + np.random.default_rng(0).normal(size=Z.shape) * 3  # overlap, so subsets matter
    ref, _ = dse_dsmi.diffusion_spectral_mutual_information(Z, y)
    ours = np.array([diffusion_spectral_mutual_information(Z, y, seed=s).mi for s in range(8)])
    assert ours.std() > 0
    assert abs(ours.mean() - ref) <= 3 * ours.std()


@pytest.mark.parametrize("n,d,sigma,t", CASES)
def test_float32_within_1e4_bits_of_float64(n, d, sigma, t):
    Z = data(n, d, seed=9)
    exact = diffusion_spectral_entropy(Z, sigma=sigma, t=t, backend="numpy")
    fast = diffusion_spectral_entropy(Z, sigma=sigma, t=t, dtype="float32")
    assert abs(fast - exact) < 1e-4


def test_float32_dsmi_within_1e4_bits():
    Z, y = labelled(seed=10)
    a = diffusion_spectral_mutual_information(Z, y, backend="numpy").mi
    b = diffusion_spectral_mutual_information(Z, y, dtype="float32").mi
    assert abs(a - b) < 1e-4
