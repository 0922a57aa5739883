"""Properties, bandwidth rules, one-spectrum reuse and bad input of the spectral measures."""
import math

import numpy as np
import pytest
import torch

from repscope.metrics import (classic_shannon_entropy, cluster_reference, diffusion_spectral_entropy,
                              diffusion_spectral_mutual_information, diffusion_spectrum)
from repscope.spectral import Backend, spectrum_entropy


def blobs(n=300, d=10, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return (rng.normal(size=(3, d))[y] * 5 + rng.normal(size=(n, d))) * scale, y


def test_dse_bounded_by_log2_n_and_cse_saturates_in_high_dimension():
    rng = np.random.default_rng(0)
    Z = rng.uniform(-1, 1, size=(256, 512))
    # bounded by log2 N, up to the reference's +eps on every p (~1e-12 bits here)
    assert 0 <= diffusion_spectral_entropy(Z, sigma=1.0) <= math.log2(256) + 1e-9
    assert classic_shannon_entropy(Z) == pytest.approx(math.log2(256), abs=1e-9)


@pytest.mark.parametrize("bins", [2, 3, 255])
def test_binned_entropy_byte_rows_equal_the_row_unique_formula(bins):
    """The byte-row fast path gives the very float the general np.unique(axis=0) path gives
    (same counts in the same order), and the general path is still used beyond a byte."""
    from repscope.metrics.binned import binned_entropy
    from repscope.spectral import entropy_bits

    rng = np.random.default_rng(bins)
    B = rng.integers(1, bins + 1, size=(400, 40))
    B[:150] = B[rng.integers(0, 150, 150)]  # many repeated rows
    counts = np.unique(B, axis=0, return_counts=True)[1]
    assert binned_entropy(B) == float(entropy_bits(counts / counts.sum()))
    assert binned_entropy(B - 128) == binned_entropy(B) == binned_entropy(B + 1000)


def test_one_spectrum_serves_every_t(monkeypatch):
    Z, _ = blobs()
    calls = []
    real = Backend.eigvalsh
    monkeypatch.setattr(Backend, "eigvalsh", lambda self, a: calls.append(1) or real(self, a))
    many = diffusion_spectral_entropy(Z, sigma=3.0, t=[1, 2, 5])
    assert len(calls) == 1
    single = [diffusion_spectral_entropy(Z, sigma=3.0, t=t) for t in (1, 2, 5)]
    np.testing.assert_allclose(many, single, atol=1e-12)
    lam = diffusion_spectrum(Z, sigma=3.0)
    np.testing.assert_allclose(spectrum_entropy(lam, [1, 2, 5]), single, atol=1e-12)
    assert many[0] > many[1] > many[2]  # diffusion removes noise: entropy falls with t


def test_dsmi_solves_each_class_and_repetition_on_one_core(monkeypatch):
    import threading

    Z, y = blobs(n=300)
    calls = []
    real = Backend.eigvalsh

    def spy(self, a):
        calls.append((tuple(a.shape), threading.current_thread() is threading.main_thread(), torch.get_num_threads()))
        return real(self, a)

    monkeypatch.setattr(Backend, "eigvalsh", spy)
    threads = torch.get_num_threads()
    diffusion_spectral_mutual_information(Z, y, n_repetitions=4)
    # every class and each of its 4 random subsets: one single-threaded solve on a worker thread
    assert sorted(shape for shape, _, _ in calls) == sorted((c, c) for c in np.bincount(y) for _ in range(5))
    assert not any(main for _, main, _ in calls) and all(n == 1 for *_, n in calls)
    assert torch.get_num_threads() == threads  # restored


def test_scale_free_bandwidths():
    Z, _ = blobs(seed=1)
    for rule in ("median", "knn"):
        a = diffusion_spectral_entropy(Z, sigma=rule)
        b = diffusion_spectral_entropy(Z * 100.0, sigma=rule)
        assert a == pytest.approx(b, abs=1e-9)
    # the reference's absolute sigma is not scale-free
    assert abs(diffusion_spectral_entropy(Z) - diffusion_spectral_entropy(Z * 100.0)) > 0.1
    assert diffusion_spectral_entropy(Z, sigma="sqrt_dim") == pytest.approx(
        diffusion_spectral_entropy(Z, sigma=math.sqrt(Z.shape[1])), abs=1e-12)


def test_median_bandwidth_is_median_pairwise_distance():
    from scipy.spatial.distance import pdist

    Z, _ = blobs(n=101, seed=2)
    med = float(np.median(pdist(Z)))
    assert diffusion_spectral_entropy(Z, sigma="median") == pytest.approx(
        diffusion_spectral_entropy(Z, sigma=med), abs=1e-10)


def test_knn_bandwidth_against_dense_formula():
    Z, _ = blobs(n=120, seed=3)
    d2 = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    s = np.sqrt(np.sort(d2, 1)[:, 5])  # 5th neighbour, self excluded
    G = np.exp(-d2 / (2 * s[:, None] * s[None]))
    P = G / G.sum(1, keepdims=True)
    lam = np.abs(np.linalg.eigvals(P).real)
    p = lam / lam.sum() + np.finfo(float).eps
    assert diffusion_spectral_entropy(Z, sigma="knn", knn_k=5) == pytest.approx(
        -(p * np.log2(p)).sum(), abs=1e-9)


def test_torch_tensor_input_and_clusters_round_trip():
    Z, y = blobs()
    a = diffusion_spectral_entropy(torch.as_tensor(Z))
    assert a == pytest.approx(diffusion_spectral_entropy(Z), abs=1e-12)
    first = diffusion_spectral_mutual_information(Z, Z[:, :3], n_clusters=3)
    again = diffusion_spectral_mutual_information(Z, clusters=first.clusters)
    assert again.mi == first.mi
    assert np.array_equal(cluster_reference(Z[:, :3], n_clusters=3), first.clusters)


def test_dsmi_falls_when_labels_are_shuffled():
    Z, y = blobs(n=400)
    clean = diffusion_spectral_mutual_information(Z, y).mi
    shuffled = diffusion_spectral_mutual_information(Z, np.random.default_rng(0).permutation(y)).mi
    assert clean > 0.5 and abs(shuffled) < 0.1


BAD = [
    (lambda Z, y: diffusion_spectral_entropy(np.where(np.eye(len(Z), Z.shape[1]) > 0, np.nan, Z)), "Z", "NaN"),
    (lambda Z, y: diffusion_spectral_entropy(np.full_like(Z, np.inf)), "Z", "Inf"),
    (lambda Z, y: diffusion_spectral_entropy(Z[:1]), "Z", "N=1"),
    (lambda Z, y: diffusion_spectral_entropy(Z[:, 0]), "Z", "2-D"),
    (lambda Z, y: diffusion_spectral_mutual_information(Z, y[:-1]), "reference", "N=300"),
    (lambda Z, y: diffusion_spectral_entropy(Z, sigma=0), "sigma", "positive"),
    (lambda Z, y: diffusion_spectral_entropy(Z, sigma=-2.0), "sigma", "positive"),
    (lambda Z, y: diffusion_spectral_entropy(Z, sigma="bogus"), "sigma", "median"),
    (lambda Z, y: diffusion_spectral_entropy(Z, t=0), "t", "positive"),
    (lambda Z, y: diffusion_spectral_entropy(Z, t=[1, -1]), "t", "positive"),
    (lambda Z, y: diffusion_spectral_mutual_information(Z, np.r_[y[:-1], 7]), "class", "[7]"),
    (lambda Z, y: diffusion_spectral_entropy(Z, backend="jax"), "backend", "numpy"),
    (lambda Z, y: diffusion_spectral_entropy(Z, backend="numpy", dtype="float32"), "dtype", "float64"),
    (lambda Z, y: diffusion_spectral_entropy(Z, sampling="python"), "sampling", "reference"),
    (lambda Z, y: diffusion_spectral_entropy(Z, max_n=0), "max_n", "positive"),
    (lambda Z, y: diffusion_spectral_mutual_information(Z, y, reference_type="x"), "reference_type", "discrete"),
    (lambda Z, y: diffusion_spectral_mutual_information(Z, y, n_repetitions=0), "n_repetitions", "positive"),
]


@pytest.mark.parametrize("call,param,allowed", BAD)
def test_bad_input_names_parameter_and_allowed_values(call, param, allowed):
    Z, y = blobs(n=300)
    with pytest.raises(ValueError) as err:
        call(Z, y)
    assert param in str(err.value) and allowed in str(err.value)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    Z, y = blobs(n=500)
    for dtype, tol in (("float64", 1e-9), ("float32", 1e-4)):
        assert diffusion_spectral_entropy(Z, device="cuda", dtype=dtype) == pytest.approx(
            diffusion_spectral_entropy(Z), abs=tol)
        assert diffusion_spectral_mutual_information(Z, y, device="cuda", dtype=dtype).mi == pytest.approx(
            diffusion_spectral_mutual_information(Z, y).mi, abs=tol)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_slq_operators_match_the_cpu(monkeypatch):
    """The packed operator (several blocks) and the matrix-free one on CUDA
    give the CPU's SLQ estimate: same probes, same operator up to rounding."""
    import repscope.spectral.backend as backend
    from repscope.spectral import operator

    Z, _ = blobs(n=2000)
    cpu = diffusion_spectral_entropy(Z, solver="slq", return_stderr=True)
    monkeypatch.setattr(operator, "BLOCK_BYTES", 8 * 700 * 700)  # blocks of 700, 700, 600
    packed = diffusion_spectral_entropy(Z, device="cuda", solver="slq", return_stderr=True)
    monkeypatch.setattr(backend, "_free_bytes", lambda device: 8 * operator.packed_entries(2000, Backend()) - 1)
    free = diffusion_spectral_entropy(Z, device="cuda", solver="slq", return_stderr=True)
    for estimate in (packed, free):
        assert estimate.value == pytest.approx(cpu.value, abs=1e-6)


@pytest.mark.parametrize("sigma, full", [(10.0, False), ("sqrt_dim", False), ("median", True), ("knn", True)])
def test_dsmi_builds_all_pairwise_distances_only_for_a_bandwidth_rule(monkeypatch, sigma, full):
    """Classes and random subsets get distances from their own points; the
    N x N matrix exists only when a bandwidth rule needs all pairs."""
    import repscope.spectral.setup as spectral_setup

    Z, y = blobs(n=300)
    shapes = []
    real = spectral_setup.squared_distances
    monkeypatch.setattr(spectral_setup, "squared_distances", lambda X, be: shapes.append(tuple(X.shape)) or real(X, be))
    diffusion_spectral_mutual_information(Z, y, sigma=sigma)
    assert ((300, Z.shape[1]) in shapes) == full
    assert all(s[0] < 300 for s in shapes if s != (300, Z.shape[1]))


def test_a_kernel_that_does_not_fit_fails_before_allocating(monkeypatch):
    import repscope.spectral.backend as backend

    monkeypatch.setattr(backend, "_free_bytes", lambda device: 300 * 300 * 8 - 1)
    Z, _ = blobs(n=300)
    with pytest.raises(MemoryError, match=r"300 x 300 float64 .* lower max_n"):
        diffusion_spectral_entropy(Z)
    assert diffusion_spectral_entropy(Z, dtype="float32") > 0  # 4 bytes per entry fit
    assert backend._free_bytes("cpu") > 0
