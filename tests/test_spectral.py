"""The spectral engine against direct dense computations."""
import numpy as np
import pytest


def test_lanczos_quadrature_is_exact_for_low_degree_polynomials():
    import torch

    from repscope.spectral import lanczos_quadrature

    rng = np.random.default_rng(1)
    B = rng.normal(size=(120, 120))
    A = (B + B.T) / 30
    V = rng.normal(size=(120, 3))
    quad = lanczos_quadrature(torch.as_tensor(A), torch.as_tensor(V), n_steps=6)
    for (nodes, weights), v in zip(quad, V.T):
        for degree in (1, 3, 7, 11):  # Gauss quadrature with m nodes is exact to degree 2m - 1
            exact = v @ np.linalg.matrix_power(A, degree) @ v / (v @ v)
            assert (weights * nodes ** degree).sum() == pytest.approx(exact, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("intrinsic", [2, 64])
def test_slq_entropy_within_error_bars_of_exact(intrinsic):
    from repscope.metrics import diffusion_spectral_entropy

    rng = np.random.default_rng(intrinsic)
    Z = np.zeros((1500, 64))
    Z[:, :intrinsic] = rng.uniform(-1, 1, size=(1500, intrinsic)) * 4
    exact = diffusion_spectral_entropy(Z, sigma="median", t=[1, 2])
    est = diffusion_spectral_entropy(Z, sigma="median", t=[1, 2], solver="slq", return_stderr=True)
    assert np.all(est.stderr > 0) and np.all(est.stderr < 0.05)
    # 3 standard errors, plus a small deterministic quadrature error of the deflated part
    assert np.all(np.abs(est.value - exact) <= 3 * est.stderr + 1e-5)


def test_auto_solver_switches_on_size():
    from repscope.metrics import diffusion_spectral_entropy
    from repscope.spectral import Solver

    Z = np.random.default_rng(0).normal(size=(300, 8))
    small = diffusion_spectral_entropy(Z, solver=Solver("auto", exact_max_n=300), return_stderr=True)
    big = diffusion_spectral_entropy(Z, solver=Solver("auto", exact_max_n=299), return_stderr=True)
    assert small.stderr == 0 and big.stderr > 0
    assert small.value == pytest.approx(diffusion_spectral_entropy(Z), abs=1e-12)
    with pytest.raises(ValueError, match="solver"):
        diffusion_spectral_entropy(Z, solver="lanczos")


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_inplace_eigenvalues_match_numpy_and_reuse_the_buffer(dtype, tol):
    import torch

    from repscope.spectral.lapack import eigvalsh_inplace

    rng = np.random.default_rng(0)
    B = rng.normal(size=(200, 200))
    A = ((B + B.T) / 20).astype(dtype)
    expected = np.linalg.eigvalsh(A.astype(np.float64))
    for a in (A.copy(), torch.from_numpy(A.copy())):
        before = np.array(a, copy=True)
        lam = eigvalsh_inplace(a)
        assert lam.dtype == np.float64
        np.testing.assert_allclose(lam, expected, atol=tol)
        assert not np.array_equal(np.asarray(a), before)  # LAPACK worked in the caller's buffer


def test_inplace_eigenvalues_fall_back_without_torch_lapack(monkeypatch):
    from repscope.spectral import lapack

    monkeypatch.setattr(lapack, "_torch_lapack", lambda: None)
    A = np.diag([3.0, 1.0, 2.0])
    np.testing.assert_allclose(lapack.eigvalsh_inplace(A), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("backend", ["torch", "numpy"])
@pytest.mark.parametrize("cores", [1, 2, 3])
def test_stacked_eigenvalues_run_one_matrix_per_core(monkeypatch, cores, backend):
    from repscope.spectral import Backend, lapack

    monkeypatch.setattr(lapack, "_cores", lambda: cores)
    rng = np.random.default_rng(1)
    B = rng.normal(size=(5, 40, 40))
    A = B + B.transpose(0, 2, 1)
    expected = [np.linalg.eigvalsh(a) for a in A]
    np.testing.assert_allclose(Backend(backend).eigvalsh(Backend(backend).asarray(A)), expected, atol=1e-12)


def test_per_core_keeps_order_and_runs_without_torch_lapack(monkeypatch):
    from repscope.spectral import lapack

    monkeypatch.setattr(lapack, "_torch_lapack", lambda: None)
    monkeypatch.setattr(lapack, "_cores", lambda: 2)
    assert lapack.per_core(lambda x: x * x, list(range(7))) == [x * x for x in range(7)]
    assert lapack.per_core(len, []) == []
    A = np.stack([np.diag([2.0, 1.0]), np.diag([5.0, 3.0]), np.eye(2)]).astype(np.float32)
    np.testing.assert_allclose(lapack.per_core(lapack.eigvalsh_inplace, list(A)), [[1, 2], [3, 5], [1, 1]])


@pytest.mark.parametrize("kind, block_bytes", [("DiffusionOperator", 8 * 150 * 7),  # 7 rows a block
                                               ("PackedDiffusionOperator", 8 * 40 * 40)])  # 40 x 40 blocks
def test_operators_equal_the_dense_kernel(monkeypatch, kind, block_bytes):
    """Many blocks and a ragged last one."""
    import torch

    from repscope.spectral import Backend, gaussian_, normalize_symmetric_, squared_distances
    from repscope.spectral import operator

    monkeypatch.setattr(operator, "BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(150, 6)) * 3
    be = Backend("numpy")
    K, phi = normalize_symmetric_(gaussian_(squared_distances(Z, be), 2.5))
    op = getattr(operator, kind)(Z, 2.5, be)
    V = rng.normal(size=(150, 4))
    np.testing.assert_allclose((op @ torch.from_numpy(V)).numpy(), K @ V, atol=1e-12)
    np.testing.assert_allclose(op.top.numpy(), phi, atol=1e-12)
    if kind == "PackedDiffusionOperator":  # 4 blocks a side: 40, 40, 40, 30
        assert len(op.blocks) == 10  # the lower triangle of blocks, diagonal blocks whole:
        assert operator.packed_entries(150, be) == (150 ** 2 + 3 * 40 ** 2 + 30 ** 2) // 2


def test_slq_packs_the_operator_or_goes_matrix_free_and_never_builds_the_matrix(monkeypatch):
    import torch

    import repscope.metrics.dse as dse_module
    import repscope.spectral.backend as backend
    from repscope.metrics import diffusion_spectral_entropy
    from repscope.spectral import (Backend, gaussian_, normalize_symmetric_, operator, slq_spectrum_entropy,
                                   squared_distances)

    rng = np.random.default_rng(4)
    Z = rng.uniform(-1, 1, size=(800, 3)) * 4
    be = Backend()
    K, phi = normalize_symmetric_(gaussian_(squared_distances(torch.from_numpy(Z), be), 10.0))
    dense = slq_spectrum_entropy(K, [1, 2], deflate=phi)  # the same estimator on the N x N matrix
    exact = diffusion_spectral_entropy(Z, t=[1, 2])
    monkeypatch.setattr(operator, "BLOCK_BYTES", 8 * 300 * 300)  # blocks of 300: 300, 300, 200
    built, real = [], dse_module.squared_distances
    monkeypatch.setattr(dse_module, "squared_distances", lambda X, be: built.append(X.shape) or real(X, be))
    packed = diffusion_spectral_entropy(Z, solver="slq", t=[1, 2], return_stderr=True)
    monkeypatch.setattr(backend, "_free_bytes", lambda device: 8 * operator.packed_entries(800, be) - 1)
    free = diffusion_spectral_entropy(Z, solver="slq", t=[1, 2], return_stderr=True)
    assert built == []  # neither built the N x N distances
    for estimate in (packed, free):
        # same probes, same operator up to rounding, which 50 Lanczos steps amplify to ~1e-7
        np.testing.assert_allclose(estimate.value, dense.value, atol=1e-6)
        assert np.all(np.abs(estimate.value - exact) <= 3 * estimate.stderr + 1e-5)
    with pytest.raises(MemoryError, match="max_n"):
        diffusion_spectral_entropy(Z)  # exact needs the matrix
    with pytest.raises(MemoryError, match="max_n"):
        diffusion_spectral_entropy(Z, solver="slq", sigma="median")  # the rule needs all pairs


@pytest.mark.parametrize("name, dtype", [("numpy", "float64"), ("torch", "float64"), ("torch", "float32")])
def test_large_arrays_come_from_a_populated_mapping(monkeypatch, name, dtype):
    import mmap

    from repscope.spectral import Backend, backend, squared_distances

    be = Backend(name, dtype)
    Z = np.random.default_rng(5).normal(size=(60, 4))
    small = np.asarray(squared_distances(Z, be))
    monkeypatch.setattr(backend, "POPULATE_BYTES", 1)  # every array through the mapping
    maps, real = [], mmap.mmap
    monkeypatch.setattr(backend.mmap, "mmap", lambda *args, flags: maps.append(flags) or real(*args, flags=flags))
    a = be.zeros((3, 5))
    assert maps and all(flags & mmap.MAP_POPULATE for flags in maps)
    assert str(a.dtype).endswith(dtype) and tuple(a.shape) == (3, 5)
    assert not np.asarray(a).any()
    a[1, 2] = 7.0  # writable
    assert np.asarray(a).sum() == 7.0
    np.testing.assert_allclose(np.asarray(squared_distances(Z, be)), small, rtol=0, atol=0)
