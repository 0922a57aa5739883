"""Issue #13, item 6: property-based tests (Hypothesis) over the public
measures. Random shapes, dtypes (float64/float32/int/bool, numpy or torch),
layouts (C, Fortran, negative strides, strided views), scales (1e-300 to
1e300), NaN/Inf, label types and parameter values, valid or not: every call
returns finite values within the measure's documented bounds, or raises a
ValueError (or MemoryError) that names a parameter — never another exception
type, never NaN. Derandomized (the same examples on every run) and small
(N <= 30), so the whole file takes well under two minutes on 2 cores."""
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from repscope import metrics as M

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TOL = 1e-9
NAMES = ("Z", "T1", "T2", "reference", "labels", "clusters", "sigma", "t", "max_n", "knn", "dtype", "backend",
         "device", "solver", "sampling", "seed", "n_repetitions", "n_clusters", "num_bins", "k", "alpha",
         "kernel", "kind", "class", "eps", "value_range", "inputs", "slq")


def param(valid, invalid):
    """A parameter's value: one of ``valid`` 7 times in 8, else one of ``invalid``."""
    return st.integers(0, 7).flatmap(lambda i: st.sampled_from(invalid if i == 0 else valid))


@st.composite
def points(draw, min_n=2, max_rows=30, max_d=5, allow_bad=True):
    """A [N, D] array in a random dtype, layout and scale, sometimes with
    duplicate points, a constant column, or one NaN/Inf entry."""
    n, d = draw(st.integers(min_n, max_rows)), draw(st.integers(1, max_d))
    Z = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=(n, d))
    Z *= 10.0 ** draw(param([-20, -3, 0, 0, 0, 0, 1, 3, 20], [-300, -150, 150, 154, 300]))
    if draw(st.booleans()):
        Z[n // 2:] = Z[: n - n // 2]  # duplicates
    if draw(st.integers(0, 4)) == 0:
        Z[:, 0] = Z[0, 0]  # a constant column
    kind = draw(st.sampled_from(["float64", "float64", "float32", "int64", "bool"]))
    if allow_bad and kind.startswith("float") and draw(st.integers(0, 7)) == 0:
        Z[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with np.errstate(all="ignore"):
        if kind == "int64":
            Z = np.clip(np.nan_to_num(np.round(Z)), -2**62, 2**62).astype(np.int64)
        else:
            Z = (Z > 0) if kind == "bool" else Z.astype(kind)
    layout = draw(st.sampled_from(["C", "F", "reversed", "strided", "torch"]))
    if layout == "F":
        return np.asfortranarray(Z)
    if layout == "reversed":
        return np.ascontiguousarray(Z[::-1])[::-1]
    if layout == "strided":
        return np.repeat(Z, 2, axis=1)[:, ::2]
    return torch.from_numpy(np.ascontiguousarray(Z)) if layout == "torch" else Z


@st.composite
def labels(draw, n):
    """Labels [n] for up to 4 classes: ints, whole-number or fractional
    floats, bools, strings, sometimes with a NaN or a singleton class."""
    k = draw(st.integers(1, 4))
    y = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(np.arange(n) % k)
    kind = draw(param(["int", "float", "float32", "fraction", "bool"], ["str", "nan"]))
    if kind == "float":
        return y.astype(np.float64)
    if kind == "float32":
        return y.astype(np.float32)
    if kind == "fraction":
        return y + 0.5
    if kind == "bool":
        return y % 2 == 0
    if kind == "str":
        return np.array([f"c{v}" for v in y])
    if kind == "nan":
        return np.where(np.arange(n) == 0, np.nan, y)
    return y


SIGMAS = param([10.0, 1.0, 1e-3, 1e5, 3, "median", "knn", "sqrt_dim"],
               [0, -1.0, True, "bogus", float("nan"), float("inf"), 1e-200, 1e200, None])
TIMES = param([1, 2, 0.5, 50, [1, 2], (1, 5.5), np.array([1.0, 3.0])],
              [[], 0, -1, float("nan"), True, 1e9, "1", [1, None]])
MAX_N = param([None, 10000, 10, 5, 2], [1, 0, 2.5, True])
KNN = param([1, 3, 10], [0, -2, 2.5])
DTYPES = param(["float64", "float32"], ["float16"])
BACKENDS = param(["torch", "numpy"], ["jax"])
SOLVERS = param(["exact", "slq", "auto"], ["fast"])
SEEDS = param([0, 1, 12345], [-1, 1.5])


def outcome(fn, *args, **kwargs):
    """The call's value, or None where it raised a ValueError/MemoryError
    naming a parameter; any other exception fails the test."""
    try:
        value = fn(*args, **kwargs)
    except (ValueError, MemoryError) as err:
        assert any(name in str(err) for name in NAMES), f"the error names no parameter: {err}"
        event(f"{getattr(fn, '__name__', fn)}: refused")
        return None
    event(f"{getattr(fn, '__name__', fn)}: a value")
    return value


def n_points(Z, max_n=None):
    n = Z.shape[0]
    return n if not isinstance(max_n, int) or isinstance(max_n, bool) or max_n < 2 else min(n, max_n)


def within(value, lo, hi):
    v = np.asarray(value, dtype=np.float64)
    assert v.size and np.all(np.isfinite(v)), f"not finite: {value!r}"
    assert np.all(v >= lo - TOL) and np.all(v <= hi + TOL), f"{value!r} outside [{lo}, {hi}]"


@settings(max_examples=300, **SETTINGS)
@given(Z=points(), sigma=SIGMAS, t=TIMES, max_n=MAX_N, knn_k=KNN, dtype=DTYPES, backend=BACKENDS,
       solver=SOLVERS, seed=SEEDS)
def test_dse(Z, sigma, t, max_n, knn_k, dtype, backend, solver, seed):
    value = outcome(M.diffusion_spectral_entropy, Z, sigma=sigma, t=t, max_n=max_n, knn_k=knn_k, dtype=dtype,
                    backend=backend, solver=solver, seed=seed)
    if value is not None:
        within(value, 0, math.log2(n_points(Z, max_n)))


@settings(max_examples=150, **SETTINGS)
@given(data=st.data(), Z=points(), sigma=SIGMAS, t=TIMES, max_n=MAX_N, dtype=DTYPES, backend=BACKENDS,
       reps=param([1, 2], [0]), ref_type=param(["auto", "discrete", "scalar"], ["nope"]))
def test_dsmi(data, Z, sigma, t, max_n, dtype, backend, reps, ref_type):
    y = data.draw(labels(Z.shape[0]))
    res = outcome(M.diffusion_spectral_mutual_information, Z, y, sigma=sigma, t=t, max_n=max_n, dtype=dtype,
                  backend=backend, n_repetitions=reps, reference_type=ref_type)
    if res is not None:
        within(res.mi, -math.log2(Z.shape[0]), math.log2(Z.shape[0]))


@settings(max_examples=100, **SETTINGS)
@given(data=st.data(), Z=points(), sigma=SIGMAS, t=TIMES, max_n=MAX_N, dse=st.booleans())
def test_diffusion_spectral_measures(data, Z, sigma, t, max_n, dse):
    y = data.draw(labels(Z.shape[0]))
    out = outcome(M.diffusion_spectral_measures, Z, {"Y": y}, sigma=sigma, t=t, max_n=max_n, dse=dse)
    if out is not None:
        within(out["Y"], -math.log2(Z.shape[0]), math.log2(Z.shape[0]))
        if dse:
            within(out["DSE"], 0, math.log2(n_points(Z, max_n)))


@settings(max_examples=150, **SETTINGS)
@given(data=st.data(), Z=points(), bins=param([2, 3, 1], [0, 2.5]), max_n=MAX_N, seed=SEEDS)
def test_classic_shannon(data, Z, bins, max_n, seed):
    value = outcome(M.classic_shannon_entropy, Z, bins, max_n=max_n, seed=seed)
    if value is not None:
        within(value, 0, math.log2(n_points(Z, max_n)))
    y = data.draw(labels(Z.shape[0]))
    res = outcome(M.classic_shannon_mutual_information, Z, y, num_bins_per_dim=bins, max_n=max_n, seed=seed)
    if res is not None:
        within(res.mi, -math.log2(Z.shape[0]), math.log2(Z.shape[0]))


@settings(max_examples=150, **SETTINGS)
@given(data=st.data(), Z=points(), sigma=SIGMAS, kind=param(["gaussian", "anisotropic", "knn"], ["x"]),
       knn=KNN, max_n=MAX_N, backend=BACKENDS)
def test_adjacency_and_matrix_entry(data, Z, sigma, kind, knn, max_n, backend):
    n = n_points(Z, max_n)
    value = outcome(M.adjacency_spectral_entropy, Z, sigma=sigma, kind=kind, knn=knn, max_n=max_n, backend=backend)
    if value is not None:
        within(value, 0, math.log2(n))
    value = outcome(M.matrix_entry_entropy, Z, sigma=sigma, max_n=max_n, backend=backend)
    if value is not None:
        within(value, 0, 2 * math.log2(n))
    y = data.draw(labels(Z.shape[0]))
    res = outcome(M.adjacency_spectral_mutual_information, Z, y, sigma=sigma, kind=kind, knn=knn, max_n=max_n,
                  n_repetitions=1, backend=backend)
    if res is not None:
        within(res.mi, -math.log2(Z.shape[0]), math.log2(Z.shape[0]))


@settings(max_examples=150, **SETTINGS)
@given(data=st.data(), Z=points(), k=param([1, 3], [0, 50, 2.5]), dtype=DTYPES,
       ref_type=param(["auto", "discrete", "scalar", "vector"], ["x"]), seed=SEEDS,
       jitter=param([1e-10, 0], [-1.0]))
def test_ksg_and_binned_mi(data, Z, k, dtype, ref_type, seed, jitter):
    y = data.draw(st.one_of(labels(Z.shape[0]), points(min_n=Z.shape[0], max_rows=Z.shape[0])))
    value = outcome(M.ksg_mutual_information, Z, y, k=k, dtype=dtype, reference_type=ref_type, seed=seed,
                    jitter=jitter)
    if value is not None:
        within(value, 0, np.inf)
    value = outcome(M.binned_mutual_information, Z, y, num_bins=3, seed=seed, n_repetitions=1,
                    reference_type=ref_type)
    if value is not None:
        within(value, -math.log2(Z.shape[0]), math.log2(Z.shape[0]))


@settings(max_examples=120, **SETTINGS)
@given(Z=points(), sigma=SIGMAS, kernel=param(["gaussian", "linear"], ["cosine"]),
       alpha=param([1.0, 2.0, 0.5], [0, -1]), dtype=DTYPES, backend=BACKENDS,
       eps=param([1e-7, 0.0], [-1.0]))
def test_matrix_and_rank_entropies(Z, sigma, kernel, alpha, dtype, backend, eps):
    value = outcome(M.von_neumann_entropy, Z, kernel=kernel, sigma=sigma, alpha=alpha, dtype=dtype, backend=backend)
    if value is not None:
        within(value, 0, math.log2(Z.shape[0]))
    value = outcome(M.effective_rank, Z, eps=eps)
    if value is not None:
        within(value, 1 - 1e-6, min(Z.shape) * (1 + 1e-5))


@settings(max_examples=20, **SETTINGS)
@given(data=st.data(), Z=points(min_n=4, max_rows=16), steps=param([1, 2], [0]),
       lr=param([1e-3], [0.0, -1.0]), seed=SEEDS)
def test_neural_bounds(data, Z, steps, lr, seed):
    y = data.draw(labels(Z.shape[0]))
    for fn in (M.mine_mutual_information, M.infonce_mutual_information):
        value = outcome(fn, Z, y, steps=steps, lr=lr, hidden=4, batch_size=8, seed=seed)
        if value is not None:
            within(value, -np.inf if fn is M.mine_mutual_information else -np.inf, math.log2(8) + 1e-6
                   if fn is M.infonce_mutual_information else np.inf)


@settings(max_examples=100, **SETTINGS)
@given(data=st.data(), Z=points(), batch=param([None, 3], [0]),
       global_mean=param(["samples", "classes"], ["both"]))
def test_nc1(data, Z, batch, global_mean):
    y = data.draw(labels(Z.shape[0]))
    value = outcome(M.nc1, Z, y, batch_size=batch, global_mean=global_mean)
    if value is not None:  # documented: inf where the class means coincide (no between-class spread)
        assert value == np.inf or (np.isfinite(value) and value >= 0), value


@settings(max_examples=80, **SETTINGS)
@given(data=st.data(), Z=points(), bins=param([30, 2, 1], [0]),
       value_range=param(["global", None, (-1.0, 1.0)], ["bogus", (1, 0), 5]))
def test_binned_layer_measures(data, Z, bins, value_range):
    y = data.draw(labels(Z.shape[0]))
    out = outcome(M.information_plane, Z, y, num_bins=bins, value_range=value_range)
    if out is not None:
        for value in out:
            within(value, 0, math.log2(Z.shape[0]))
    out = outcome(M.modularity_comparisons, Z, Z, [0], [0], num_bins=bins, value_range=value_range)
    if out is not None:
        within(out, -math.log2(bins) - 1e-9, math.log2(bins) + 1e-9)


@settings(max_examples=16, **SETTINGS)
@given(data=st.data(), Z=points(min_n=6, max_rows=16), kappa=param([0.0, 0.1], [float("nan")]),
       n_t=param([5], [0]))
def test_manifold_and_decodable_information(data, Z, kappa, n_t):
    y = data.draw(labels(Z.shape[0]))
    geo = outcome(M.manifold_geometry, Z, y, kappa=kappa, n_t=n_t, n_reps=1, max_iter=5)
    if geo is not None:
        assert geo.capacity > 0 and np.isfinite([geo.radius, geo.dimension, geo.correlation]).all()
    info = outcome(M.decodable_information, Z, y, epochs=1)
    if info is not None:
        assert np.isfinite([info.sufficiency, info.nuisance]).all()
