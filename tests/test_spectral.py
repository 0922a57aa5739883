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


@pytest.mark.parametrize("two_stage", [False, True])
@pytest.mark.parametrize("lapack", ["mkl", "openblas"])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_inplace_eigenvalues_match_numpy_and_reuse_the_buffer(monkeypatch, dtype, tol, lapack, two_stage):
    import torch

    from repscope.spectral import lapack as module

    monkeypatch.setattr(module, "ONE_STAGE_MAX_N", 100 if two_stage else 1000)  # OpenBLAS: ?syevd_2stage or ?syevd
    assert module._torch_lapack() and module._openblas()  # both ship with the dependencies
    rng = np.random.default_rng(0)
    B = rng.normal(size=(200, 200))
    A = ((B + B.T) / 20).astype(dtype)
    expected = np.linalg.eigvalsh(A.astype(np.float64))
    for a in (A.copy(), torch.from_numpy(A.copy())):
        before = np.array(np.asarray(a), copy=True)
        lam = module.eigvalsh_inplace(a, lapack)
        assert lam.dtype == np.float64
        np.testing.assert_allclose(lam, expected, atol=tol)
        assert not np.array_equal(np.asarray(a), before)  # LAPACK worked in the caller's buffer


def test_inplace_eigenvalues_fall_back_without_the_lapack(monkeypatch):
    from repscope.spectral import lapack

    monkeypatch.setattr(lapack, "_torch_lapack", lambda: None)
    monkeypatch.setattr(lapack, "_openblas", lambda: None)
    for name in ("mkl", "openblas"):
        A = np.diag([3.0, 1.0, 2.0])
        np.testing.assert_allclose(lapack.eigvalsh_inplace(A, name), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(A, np.diag([3.0, 1.0, 2.0]))  # numpy's solver copies


def test_lapack_follows_the_cpu_vendor_unless_forced(monkeypatch):
    from repscope.spectral import Backend, backend, lapack

    assert lapack.lapack_for("GenuineIntel") == "mkl"
    assert lapack.lapack_for("AuthenticAMD") == lapack.lapack_for("") == "openblas"
    for vendor, expected in (("GenuineIntel", "mkl"), ("AuthenticAMD", "openblas")):
        monkeypatch.setattr(backend, "cpu_vendor", lambda: vendor)
        assert Backend("torch").cpu_lapack == expected
        assert Backend("numpy").cpu_lapack == "openblas"  # no torch import for the numpy backend
        assert Backend("torch", lapack="openblas").cpu_lapack == "openblas"
        assert Backend("torch", lapack="mkl").cpu_lapack == "mkl"
    with pytest.raises(ValueError, match="lapack"):
        Backend("numpy", lapack="mkl")
    with pytest.raises(ValueError, match="lapack"):
        Backend("torch", lapack="accelerate")


def test_dense_entropy_is_the_same_with_either_lapack(monkeypatch):
    from repscope.metrics import diffusion_spectral_entropy
    from repscope.spectral import backend

    Z = np.random.default_rng(7).normal(size=(900, 16)) * 3  # above ONE_STAGE_MAX_N: OpenBLAS's two-stage
    values = {}
    for vendor in ("GenuineIntel", "AuthenticAMD"):
        monkeypatch.setattr(backend, "cpu_vendor", lambda: vendor)
        values[vendor] = diffusion_spectral_entropy(Z, t=[1, 3])
    np.testing.assert_allclose(values["GenuineIntel"], values["AuthenticAMD"], atol=1e-10)
    np.testing.assert_allclose(values["GenuineIntel"], diffusion_spectral_entropy(Z, t=[1, 3], backend="numpy"),
                               atol=1e-10)


def test_usable_cores_leaves_out_the_cores_other_processes_run_on(monkeypatch, tmp_path):
    import builtins

    from repscope.spectral import lapack

    monkeypatch.setattr(lapack, "_cores", lambda: 2)
    monkeypatch.setattr(lapack.os, "cpu_count", lambda: 2)
    real_open, loadavg = builtins.open, tmp_path / "loadavg"
    monkeypatch.setattr(builtins, "open", lambda path, *a, **k: real_open(
        loadavg if path == "/proc/loadavg" else path, *a, **k))
    loadavg.write_text("9.05 4.80 1.98 12/181 13166\n")  # 12 running: at most 1 of them is this test
    assert lapack.usable_cores() == 1
    loadavg.write_text("0.50 0.40 0.30 1/181 13166\n")  # this test alone
    assert lapack.usable_cores() == 2
    loadavg.write_text("9.05 4.80 1.98 12/181 13166\n")
    monkeypatch.setattr(lapack.os, "cpu_count", lambda: 64)  # pinned to 2 of 64 CPUs: its own cores
    assert lapack.usable_cores() == 2
    monkeypatch.setattr(lapack.os, "cpu_count", lambda: 2)
    loadavg.unlink()
    assert lapack.usable_cores() == 2  # unreadable: all cores


@pytest.mark.parametrize("lapack_name", ["mkl", "openblas"])
def test_a_large_eigenproblem_takes_only_the_usable_cores(monkeypatch, lapack_name):
    import threadpoolctl

    from repscope.spectral import lapack

    calls = []
    routines = lapack._torch_lapack()[0]
    blas_routines, integer, _ = lapack._openblas()
    monkeypatch.setattr(lapack, "_torch_lapack", lambda: (routines, lambda k: calls.append(("mkl", k)) or 0, lambda: 2))
    monkeypatch.setattr(lapack, "_openblas", lambda: (blas_routines, integer, lambda: 2))
    real = threadpoolctl.threadpool_limits
    monkeypatch.setattr(threadpoolctl, "threadpool_limits",
                        lambda k, user_api: calls.append(("openblas", k)) or real(k, user_api))
    monkeypatch.setattr(lapack, "usable_cores", lambda: 1)
    A = np.diag([2.0, 1.0])
    np.testing.assert_allclose(lapack.eigvalsh_inplace(A, lapack_name), [1.0, 2.0])
    assert calls == ([("mkl", 1), ("mkl", 0)] if lapack_name == "mkl" else [("openblas", 1)])


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
    monkeypatch.setattr(lapack, "_openblas", lambda: None)
    monkeypatch.setattr(lapack, "_cores", lambda: 2)
    assert lapack.per_core(lambda x: x * x, list(range(7))) == [x * x for x in range(7)]
    assert lapack.per_core(len, []) == []
    A = np.stack([np.diag([2.0, 1.0]), np.diag([5.0, 3.0]), np.eye(2)]).astype(np.float32)
    np.testing.assert_allclose(lapack.per_core(lapack.eigvalsh_inplace, list(A)), [[1, 2], [3, 5], [1, 1]])


def test_per_core_keeps_to_the_threads_the_process_was_given(monkeypatch):
    """A job (or a study's worker) given one thread runs its stack on one thread, however
    many cores the machine has; torch's thread count is restored afterwards."""
    import threading
    import time

    import torch

    from repscope.spectral import lapack

    monkeypatch.setattr(lapack, "_cores", lambda: 4)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        def slow_square(x):  # slow enough that a pool of several threads would use them
            time.sleep(0.01)
            return threading.get_ident(), x * x

        seen = lapack.per_core(slow_square, list(range(12)))
        assert [v for _, v in seen] == [x * x for x in range(12)]
        assert len({ident for ident, _ in seen}) == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


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

    import repscope.spectral.setup as spectral_setup
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
    built, real = [], spectral_setup.squared_distances
    monkeypatch.setattr(spectral_setup, "squared_distances", lambda X, be: built.append(X.shape) or real(X, be))
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


def test_dtype_follows_the_input():
    import torch

    from repscope.spectral import follow_dtype

    Z = np.zeros((3, 2))
    assert follow_dtype(Z.astype(np.float32)) == follow_dtype(torch.zeros(3, 2)) == "float32"
    for other in (Z, Z.astype(np.float16), Z.astype(np.int64), Z.astype(bool), torch.zeros(3, 2, dtype=torch.float64)):
        assert follow_dtype(other) == "float64"
    assert follow_dtype(Z.astype(np.float32), backend="numpy") == "float64"  # numpy computes in float64
    assert follow_dtype(Z.astype(np.float32), "float64") == "float64"
    assert follow_dtype(Z, "float32") == "float32"


@pytest.mark.parametrize("solver", ["exact", "slq"])
def test_float32_points_are_measured_in_float32_by_default(solver):
    from repscope.metrics import diffusion_spectral_entropy, diffusion_spectral_mutual_information

    rng = np.random.default_rng(8)
    Z = (rng.normal(size=(600, 12)) * 3).astype(np.float32)
    y = rng.integers(0, 3, 600)
    default = diffusion_spectral_entropy(Z, t=[1, 2], solver=solver)
    in32 = diffusion_spectral_entropy(Z, t=[1, 2], solver=solver, dtype="float32")
    in64, stderr = diffusion_spectral_entropy(Z, t=[1, 2], solver=solver, dtype="float64", return_stderr=True)
    np.testing.assert_array_equal(default, in32)  # the float32 path, bit for bit
    assert np.any(default != in64)  # ... which is not the float64 one
    # exact: float32 rounding; SLQ: rounding amplified by 50 Lanczos steps, within the error bars
    assert np.all(np.abs(default - in64) <= 1e-4 + 3 * stderr)
    if solver == "exact":
        mi = diffusion_spectral_mutual_information(Z, y).mi
        assert mi == diffusion_spectral_mutual_information(Z, y, dtype="float32").mi
        assert mi == pytest.approx(diffusion_spectral_mutual_information(Z, y, dtype="float64").mi, abs=1e-4)


def test_other_inputs_are_measured_in_float64_by_default():
    from repscope.metrics import adjacency_spectral_entropy, diffusion_spectral_entropy

    Z = np.random.default_rng(9).integers(-5, 5, size=(300, 6))
    assert diffusion_spectral_entropy(Z) == diffusion_spectral_entropy(Z.astype(np.float64), dtype="float64")
    assert adjacency_spectral_entropy(Z) == adjacency_spectral_entropy(Z.astype(np.float64), dtype="float64")
    Z32 = Z.astype(np.float32)
    assert diffusion_spectral_entropy(Z32, backend="numpy") == diffusion_spectral_entropy(Z, backend="numpy",
                                                                                          dtype="float64")


def test_slq_does_not_depend_on_the_machine_load(monkeypatch):
    """SLQ runs on torch's configured threads, whatever the load (the cores free at the time
    would change the rounding, which Lanczos amplifies): the same estimate, bit for bit."""
    import torch

    from repscope.spectral import lapack, slq_spectrum_entropy

    seen, real = [], torch.linalg.qr
    monkeypatch.setattr(torch.linalg, "qr", lambda *a: seen.append(torch.get_num_threads()) or real(*a))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        B = np.random.default_rng(10).normal(size=(80, 80))
        A = torch.as_tensor((B + B.T) / 40)
        estimates = []
        for free in (1, 2):
            monkeypatch.setattr(lapack, "usable_cores", lambda free=free: free)
            estimates.append(slq_spectrum_entropy(A, n_probes=4, n_steps=5, n_deflate=4))
        assert seen and set(seen) == {2}
        assert estimates[0].value == estimates[1].value and estimates[0].stderr == estimates[1].stderr
    finally:
        torch.set_num_threads(threads)