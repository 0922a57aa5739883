"""The studies' fast paths compute what the dense formulas compute: k-NN graph
spectra one strongly connected component at a time, and KSG's max-norm
neighbour counts from scipy's pdist (docs/fidelity.md)."""
import numpy as np
import pytest

from repscope.data.toy import gaussian_blobs
from repscope.metrics import adjacency_spectral_mutual_information
from repscope.metrics.baselines import ksg_mutual_information
from repscope.spectral import Backend, spectrum_entropy
from repscope.spectral.setup import graph_eigenvalue_magnitudes


def _knn_graph(X, k):
    """0/1 matrix: A_ij = 1 when x_j is among the k nearest points of x_i (itself included)."""
    D = np.square(X[:, None, :] - X[None, :, :]).sum(-1)
    return (D <= np.sort(D, 1)[:, k - 1:k]).astype(np.float64)


@pytest.mark.parametrize("dim,blobs", [(3, 1), (40, 3), (400, 3)])
def test_graph_spectrum_by_components_is_the_dense_spectrum(dim, blobs):
    X, _ = gaussian_blobs(240, dim, blobs, seed=dim)
    A = _knn_graph(X, 10)
    got = graph_eigenvalue_magnitudes(A, Backend("torch", "float64", "cpu"))
    want = np.sort(np.abs(np.linalg.eigvals(A)))
    # k-NN graphs are often defective: the dense solve leaves exact zeros at ~1e-8 (~1e-9 bits)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)
    assert spectrum_entropy(got[None], [1, 3])[0] == pytest.approx(spectrum_entropy(want[None], [1, 3])[0],
                                                                    abs=1e-7)


def test_graph_spectrum_of_a_random_digraph_and_a_symmetric_one():
    rng = np.random.default_rng(0)
    A = (rng.random((150, 150)) < 0.02).astype(np.float64)
    be = Backend("numpy", "float64", "cpu")
    got, want = graph_eigenvalue_magnitudes(A, be), np.sort(np.abs(np.linalg.eigvals(A)))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)  # nilpotent parts: ill-conditioned zeros
    assert spectrum_entropy(got[None], 1)[0] == pytest.approx(spectrum_entropy(want[None], 1)[0], abs=1e-6)
    S = np.maximum(A, A.T)
    np.testing.assert_allclose(graph_eigenvalue_magnitudes(S, be),
                               np.sort(np.abs(np.linalg.eigvalsh(S))), rtol=0, atol=1e-9)


def test_knn_asmi_equals_the_entropy_of_dense_spectra():
    """ASMI with a k-NN graph, recomputed from each block's dense spectrum."""
    from repscope.metrics.dsmi import _subsets
    from repscope.metrics.sampling import Sampler

    X, y = gaussian_blobs(300, 50, 3, seed=4)
    got = adjacency_spectral_mutual_information(X, y, kind="knn", knn=10, n_repetitions=3, seed=7).mi
    counts, subsets = _subsets(y, 3, Sampler(7, "generator"), 10000)
    H = np.array([spectrum_entropy(np.abs(np.linalg.eigvals(_knn_graph(X[idx], 10)))[None], 1)[0]
                  for idx in subsets]).reshape(3, 4)
    want = float((counts / counts.sum() * (H[:, 1:].mean(1) - H[:, 0])).sum())
    assert got == pytest.approx(want, abs=1e-9)


def _ksg_dense(Z, B, k):
    """KSG algorithm 1 in bits, from dense max-norm distances (no jitter)."""
    from scipy.special import digamma

    dz = np.abs(Z[:, None, :] - Z[None, :, :]).max(-1)
    db = np.abs(B[:, None, :] - B[None, :, :]).max(-1)
    eps = np.sort(np.maximum(dz, db), 1)[:, k]
    nz, nb = ((d < eps[:, None]).sum(1) - 1 for d in (dz, db))
    mi = digamma(k) + digamma(len(Z)) - (digamma(nz + 1) + digamma(nb + 1)).mean()
    return max(0.0, mi) / np.log(2)


@pytest.mark.parametrize("dim", [2, 30])
def test_ksg_continuous_equals_dense_max_norm_counts(dim):
    rng = np.random.default_rng(dim)
    Z = rng.normal(size=(200, dim))
    B = Z[:, :1] + 0.5 * rng.normal(size=(200, 1))
    got = ksg_mutual_information(Z, B, k=3, reference_type="scalar", jitter=0)
    want = _ksg_dense(Z, B, 3)
    assert want > 0.1 and got == pytest.approx(want, abs=1e-12)
    V = np.hstack([B, rng.normal(size=(200, 1))])
    assert ksg_mutual_information(Z, V, k=3, jitter=0) == pytest.approx(_ksg_dense(Z, V, 3), abs=1e-12)
