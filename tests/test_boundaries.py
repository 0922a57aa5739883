"""Issue #13, item 3: every public measure rejects NaN/Inf, checks every
parameter before any expensive step, reads integer-valued float labels as the
classes they are, accepts any strided array and turns numeric overflow into
an error that says what to do."""
import numpy as np
import pytest
import torch

import repscope.spectral.setup as spectral_setup
from repscope import metrics as M


def blobs(n=120, d=6, k=20, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    return rng.normal(size=(k, d))[y] * 4 + rng.normal(size=(n, d)), y


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.out = torch.nn.Linear(6, 5), torch.nn.Linear(5, 3)

    def forward(self, x):
        return self.out(torch.relu(self.body(x)))


FAST = dict(steps=2, hidden=8, batch_size=16)
# every public measure as f(Z, y) -> a number
MEASURES = {
    "DSE": lambda Z, y: M.diffusion_spectral_entropy(Z),
    "diffusion_spectrum": lambda Z, y: M.diffusion_spectrum(Z).sum(),
    "DSMI": lambda Z, y: M.diffusion_spectral_mutual_information(Z, y).mi,
    "diffusion_spectral_measures": lambda Z, y: M.diffusion_spectral_measures(Z, {"y": y})["y"],
    "diffusion_spectra": lambda Z, y: M.measures_from_spectra(M.diffusion_spectra(Z, {"y": y}), {"y": y},
                                                              len(Z))["y"],
    "CSE": lambda Z, y: M.classic_shannon_entropy(Z),
    "CSMI": lambda Z, y: M.classic_shannon_mutual_information(Z, y).mi,
    "ASE": lambda Z, y: M.adjacency_spectral_entropy(Z),
    "ASMI": lambda Z, y: M.adjacency_spectral_mutual_information(Z, y).mi,
    "matrix_entry": lambda Z, y: M.matrix_entry_entropy(Z),
    "KSG": lambda Z, y: M.ksg_mutual_information(Z, y),
    "binned_MI": lambda Z, y: M.binned_mutual_information(Z, y),
    "MINE": lambda Z, y: M.mine_mutual_information(Z, y, **FAST),
    "InfoNCE": lambda Z, y: M.infonce_mutual_information(Z, y, **FAST),
    "von_neumann": lambda Z, y: M.von_neumann_entropy(Z),
    "effective_rank": lambda Z, y: M.effective_rank(Z),
    "NC1": lambda Z, y: M.nc1(Z, y),
    "manifold": lambda Z, y: M.manifold_geometry(Z, y % 3, n_t=5, n_reps=1, max_iter=5).capacity,
    "DIB": lambda Z, y: M.decodable_information(Z, y % 3, epochs=1).sufficiency,
    "information_plane": lambda Z, y: sum(M.information_plane(Z, y)),
    "modularity": lambda Z, y: M.modularity_comparisons(Z, Z, [0], [1]).sum(),
    "ablation": lambda Z, y: M.ablation_importance(_Net(), _Net().body, Z).kl.sum(),
}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", sorted(MEASURES))
def test_every_measure_rejects_nan_and_inf(name, bad):
    Z, y = blobs()
    Z[3, 2] = bad
    with pytest.raises(ValueError, match=r"NaN|Inf|finite"):
        MEASURES[name](Z, y)


def test_information_plane_rejects_nan_and_inf_in_the_inputs_too():
    Z, y = blobs()
    X = np.ones((len(Z), 3))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="inputs"):
        M.information_plane(Z, y, inputs=X)


LABELLED = ["DSMI", "diffusion_spectral_measures", "diffusion_spectra", "CSMI", "ASMI", "KSG", "binned_MI", "MINE", "InfoNCE",
            "NC1", "manifold", "DIB", "information_plane"]


@pytest.mark.parametrize("name", LABELLED)
def test_integer_valued_float_labels_are_the_classes_they_are(name):
    """0.0 ... 19.0 are 20 classes (not a scalar cut into 10 bins): the same
    value as with the integer labels, everywhere labels are read."""
    Z, y = blobs()
    as_int = MEASURES[name](Z, y)
    assert MEASURES[name](Z, y.astype(np.float64)) == pytest.approx(as_int, abs=1e-12)
    assert MEASURES[name](Z, y.astype(np.float32)) == pytest.approx(as_int, abs=1e-12)


def test_float_labels_with_fractions_stay_a_scalar_and_nan_labels_are_refused():
    Z, y = blobs()
    scalar = y + 0.5 * (y % 2 == 0) + 0.25
    binned = M.diffusion_spectral_mutual_information(Z, scalar).clusters
    assert len(np.unique(binned)) == 10  # cut into n_clusters bins
    with pytest.raises(ValueError, match="labels"):
        M.nc1(Z, scalar)
    with pytest.raises(ValueError, match="reference"):
        M.diffusion_spectral_mutual_information(Z, np.where(y == 0, np.nan, y))


BAD_PARAMETERS = [
    ({"t": []}, "t"), ({"t": 0}, "t"), ({"t": [1, float("nan")]}, "t"), ({"t": True}, "t"), ({"t": "1"}, "t"),
    ({"t": 1e9}, "t"), ({"sigma": True}, "sigma"), ({"sigma": 0}, "sigma"), ({"sigma": float("inf")}, "sigma"),
    ({"sigma": "bogus"}, "sigma"), ({"sigma": 1e-200}, "sigma"), ({"sigma": [1.0]}, "sigma"),
    ({"max_n": 1}, "max_n"), ({"max_n": 2.5}, "max_n"), ({"device": "tpu"}, "device"),
    ({"dtype": "float16"}, "dtype"), ({"backend": "jax"}, "backend"), ({"solver": "magic"}, "solver"),
    ({"knn_k": 0}, "knn_k"), ({"sigma": "knn", "knn_k": 500}, "knn_k"), ({"sampling": "x"}, "sampling"),
    ({"seed": -1}, "seed"), ({"backend": "numpy", "device": "cuda"}, "device")]


@pytest.mark.parametrize("kwargs,param", BAD_PARAMETERS)
@pytest.mark.parametrize("fn", [M.diffusion_spectral_entropy, M.diffusion_spectral_mutual_information,
                                M.diffusion_spectral_measures])
def test_bad_parameters_fail_before_any_spectrum(monkeypatch, fn, kwargs, param):
    """The kernel/spectrum machinery is replaced by a trap: a bad parameter
    must raise its ValueError before reaching it."""
    def trap(*args, **kw):
        raise AssertionError("expensive work started before the parameters were checked")

    monkeypatch.setattr(spectral_setup.SpectralSetup, "__init__", trap)
    Z, y = blobs()
    second = {M.diffusion_spectral_entropy: (), M.diffusion_spectral_mutual_information: (y,),
              M.diffusion_spectral_measures: ({"y": y},)}[fn]
    with pytest.raises(ValueError, match=param):
        fn(Z, *second, **kwargs)


@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_negative_strides_and_other_layouts_are_accepted(backend):
    Z, y = blobs()
    reversed_copy = np.ascontiguousarray(Z[::-1])
    expected = M.diffusion_spectral_entropy(reversed_copy, backend=backend)
    for layout in (Z[::-1], np.asfortranarray(Z)[::-1], np.repeat(Z, 2, axis=1)[::-1, ::2]):
        assert M.diffusion_spectral_entropy(layout, backend=backend) == pytest.approx(expected, abs=1e-9)
    mi = M.diffusion_spectral_mutual_information(reversed_copy, y[::-1], backend=backend).mi
    assert M.diffusion_spectral_mutual_information(Z[::-1], y[::-1], backend=backend).mi == pytest.approx(mi, abs=1e-9)
    assert M.von_neumann_entropy(Z[::-1], backend=backend) == pytest.approx(
        M.von_neumann_entropy(reversed_copy, backend=backend), abs=1e-9)


@pytest.mark.parametrize("fn", [M.diffusion_spectral_entropy, M.matrix_entry_entropy, M.adjacency_spectral_entropy,
                                M.von_neumann_entropy, lambda Z: M.diffusion_spectral_entropy(Z, sigma="median"),
                                lambda Z: M.diffusion_spectral_entropy(Z, dtype="float32")])
def test_overflowing_magnitudes_say_what_to_do(fn):
    Z, _ = blobs()
    with pytest.raises(ValueError, match=r"rescale Z .*'median'"):
        fn(Z * 1e154)


def test_float32_work_refuses_magnitudes_that_fit_only_float64():
    Z, _ = blobs()
    assert np.isfinite(M.diffusion_spectral_entropy(Z * 1e30))
    with pytest.raises(ValueError, match=r"overflow float32"):
        M.diffusion_spectral_entropy(Z * 1e30, dtype="float32")


def test_what_the_property_suite_found_stays_fixed():
    """Cases Hypothesis found (tests/test_properties.py), kept as fixed examples."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(6, 1))
    # an identity kernel: every eigenvalue 1, DSE = log2 N exactly; SLQ's noisy estimate is kept within the bound
    est = M.diffusion_spectral_entropy(Z * 1e149, solver="slq", return_stderr=True)
    assert est.value <= np.log2(6) and est.stderr > 0
    with pytest.raises(ValueError, match="seed"):
        M.classic_shannon_entropy(Z, max_n=3, seed=1.5)
    constant, one_class = np.ones((4, 1), bool), np.zeros(4, int)
    assert np.isfinite(M.mine_mutual_information(constant, one_class, steps=1, hidden=4, batch_size=8))
    assert M.nc1(np.array([[1.3e-301], [-1.3e-301]]), [0, 1]) == 0.0  # s**2 underflowed: 0/0
    assert M.effective_rank(np.array([[1.0, 0.0], [1.0, 0.0]]), eps=0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="k=1"):
        M.ksg_mutual_information(np.zeros((3, 1)), np.zeros(3), reference_type="scalar", k=1)
    with pytest.raises(ValueError, match="n_clusters"):
        M.binned_mutual_information(rng.normal(size=(10, 2)), rng.normal(size=(10, 2)), reference_type="vector")
