"""The per-checkpoint measures: the pipeline's shared-kernel computation
against the measures called one by one, and the checks of conf/metrics."""
import numpy as np
import pytest
from omegaconf import OmegaConf

from repscope.config import compose
from repscope.metrics import (classic_shannon_entropy, classic_shannon_mutual_information,
                              diffusion_spectral_entropy, diffusion_spectral_measures,
                              diffusion_spectral_mutual_information)
from repscope.pipeline.measure import measure_layer, select_layers
from repscope.pipeline.registry import MEASURES, validate_metrics


def _metrics(**changes):
    m = compose([]).metrics
    for key, value in changes.items():
        OmegaConf.update(m, key, value, force_add=True)
    return m


@pytest.fixture
def data(rng):
    n, d, k = 120, 6, 4
    y = rng.integers(0, k, n)
    Z = rng.normal(size=(k, d))[y] * 2 + rng.normal(size=(n, d))
    x = rng.integers(0, 3, n)
    return Z, y, x


@pytest.mark.parametrize("sigma,max_n", [(10.0, None), ("median", None), (3.0, 80)])
def test_shared_kernel_equals_measures_one_by_one(data, sigma, max_n):
    Z, y, x = data
    ts = [1.0, 2.0, 5.0]
    common = dict(sigma=sigma, t=ts, max_n=max_n, seed=3, backend="numpy")
    got = diffusion_spectral_measures(Z, {"Y": y, "X": x}, n_repetitions=4, **common)
    assert sorted(got) == ["DSE", "X", "Y"]
    if max_n is None or not isinstance(sigma, str):
        np.testing.assert_allclose(got["DSE"], diffusion_spectral_entropy(Z, **common), rtol=0, atol=1e-10)
    for name, ref in (("Y", y), ("X", x)):
        one = diffusion_spectral_mutual_information(Z, clusters=ref, n_repetitions=4, **common).mi
        np.testing.assert_allclose(got[name], one, rtol=0, atol=1e-10)


def test_shared_kernel_single_class_and_without_dse(data):
    Z, _, _ = data
    one_class = np.zeros(len(Z), dtype=int)  # every random subset is all of Z: MI = 0
    got = diffusion_spectral_measures(Z, {"B": one_class}, t=1, backend="numpy", max_n=None)
    assert abs(got["B"]) < 1e-9
    assert got["DSE"] == pytest.approx(diffusion_spectral_entropy(Z, backend="numpy", max_n=None), abs=1e-10)
    assert "DSE" not in diffusion_spectral_measures(Z, {"B": one_class}, dse=False, backend="numpy")


def test_measure_layer_rows_match_direct_calls(data):
    Z, y, x = data
    m = _metrics(t=[1, 3], n_repetitions=3, sigma="median")
    rows = measure_layer(Z, y, x, m)
    got = {(r["metric"], None if np.isnan(r["t"]) else r["t"]): r["value"] for r in rows}
    assert {k for k, _ in got} == set(m.measures) - {"accuracy"}
    kw = dict(sigma="median", max_n=None, seed=0, backend="numpy")
    for t in (1.0, 3.0):
        assert got[("DSE", t)] == pytest.approx(diffusion_spectral_entropy(Z, t=t, **kw), abs=1e-10)
        assert got[("DSMI_Y", t)] == pytest.approx(
            diffusion_spectral_mutual_information(Z, clusters=y, t=t, n_repetitions=3, **kw).mi, abs=1e-10)
        assert got[("DSMI_X", t)] == pytest.approx(
            diffusion_spectral_mutual_information(Z, clusters=x, t=t, n_repetitions=3, **kw).mi, abs=1e-10)
    assert got[("CSE", None)] == classic_shannon_entropy(Z, 2, max_n=None)
    assert got[("CSMI_Y", None)] == classic_shannon_mutual_information(Z, clusters=y, n_repetitions=3,
                                                                       max_n=None).mi
    assert got[("CSMI_X", None)] == classic_shannon_mutual_information(Z, clusters=x, n_repetitions=3,
                                                                       max_n=None).mi


def test_peer_measures_match_their_functions_called_directly(data):
    from repscope import metrics as M

    Z, y, x = data
    peers = [name for name, entry in MEASURES.items() if entry.compute is not None
             and name not in ("CSE", "CSMI_Y", "CSMI_X")]
    m = _metrics(measures=peers, sigma="median", **{"peers.neural.steps": 20})
    got = {r["metric"]: r["value"] for r in measure_layer(Z, y, x, m)}
    assert sorted(got) == sorted(peers) and all(np.isfinite(v) for v in got.values())
    kw = dict(max_n=None, seed=0, backend="numpy")
    neural = dict(reference_type="discrete", seed=0, hidden=64, steps=20, batch_size=256, lr=1e-3)
    direct = {
        "KSG_Y": M.ksg_mutual_information(Z, y, k=3, reference_type="discrete", seed=0),
        "MINE_Y": M.mine_mutual_information(Z, y, **neural),
        "InfoNCE_Y": M.infonce_mutual_information(Z, y, **neural),
        "VNE": M.von_neumann_entropy(Z, sigma="median"),
        "RankMe": M.effective_rank(Z),
        "DMEE": M.matrix_entry_entropy(Z, "median", **kw),
        "ASE": M.adjacency_spectral_entropy(Z, "median", **kw),
        "ASMI_Y": M.adjacency_spectral_mutual_information(Z, clusters=y, sigma="median", **kw).mi,
        "TwoNN": M.twonn_intrinsic_dimension(Z),
        "kNN_acc": M.knn_accuracy(Z, y, k=20),
        "probe_acc": M.linear_probe_accuracy(Z, y),
        "NC1": M.nc1(Z, y),
    }
    assert sorted(direct) == sorted(peers)
    for name, value in direct.items():
        assert got[name] == pytest.approx(value, abs=1e-10), name


def test_measure_layer_computes_only_what_is_asked(data):
    Z, y, x = data
    rows = measure_layer(Z, y, x, _metrics(measures=["DSMI_X", "CSE"]))
    assert sorted(r["metric"] for r in rows) == ["CSE", "DSMI_X"]


@pytest.mark.parametrize("key,value,match", [
    ("measures", ["DSE", "entropy"], r"unknown measure\(s\) \['entropy'\]; valid choices: \['DSE'"),
    ("measures", [], "unknown measure"),
    ("peers.adjacency", "sparse", r"metrics\.peers\.adjacency must be one of"),
    ("peers.knn_k", 0, r"metrics\.peers\.knn_k"),
    ("t", [1, 0], "metrics.t must be a positive number"),
    ("t", [], "non-empty list"),
    ("sigma", "silverman", r"metrics.sigma must be one of \['knn', 'median', 'sqrt_dim'\]"),
    ("sigma", -1.0, "metrics.sigma must be a positive number"),
    ("layers", "penultimate", "'all' or a non-empty list"),
    ("n_repetitions", 0, "metrics.n_repetitions must be a positive integer"),
    ("max_n", -5, "metrics.max_n must be a positive integer"),
    ("backend", "jax", r"metrics.backend must be one of \['numpy', 'torch'\]"),
    ("device", "tpu", "metrics.device must be"),
    ("device", "cuda", "with metrics.backend='numpy'"),
    ("sampling", "random", "metrics.sampling must be one of"),
    ("solver.method", "lanczos", r"solver must be one of \['auto', 'exact', 'slq'\]"),
    ("solver.probes", 1, "slq_probes must be at least 2"),
    ("solver.tolerance", 0.1, r"metrics.solver: unknown key\(s\) \['tolerance'\]"),
])
def test_bad_metrics_config_is_refused(key, value, match):
    with pytest.raises(ValueError, match=match):
        validate_metrics(_metrics(**{key: value}))


def test_default_metrics_config_is_valid():
    validate_metrics(compose([]).metrics)


def test_select_layers():
    m = _metrics()
    assert select_layers(["layer1", "penultimate"], m) == ["layer1", "penultimate"]
    assert select_layers(["layer1", "penultimate"], _metrics(layers=["penultimate"])) == ["penultimate"]
    with pytest.raises(ValueError, match=r"layer\(s\) \['block9'\] are not in the embedding file"):
        select_layers(["penultimate"], _metrics(layers=["block9"]))


def test_custom_measure_from_conf(data, tmp_path, monkeypatch):
    (tmp_path / "my_measures.py").write_text(
        "import numpy as np\n\n"
        "def mean_norm(Z, labels, x_clusters):\n"
        "    return float(np.linalg.norm(Z, axis=1).mean() + 0 * labels.sum() + 0 * x_clusters.sum())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    Z, y, x = data
    m = _metrics(custom={"NORM": "my_measures:mean_norm"}, measures=["CSE", "NORM"])
    validate_metrics(m)
    rows = measure_layer(Z, y, x, m)
    assert [r["metric"] for r in rows] == ["CSE", "NORM"]
    assert rows[1]["value"] == pytest.approx(np.linalg.norm(Z, axis=1).mean(), rel=1e-12)
    with pytest.raises(ValueError, match=r"unknown measure\(s\) \['NROM'\]; valid choices: \[.*'NORM'\]"):
        validate_metrics(_metrics(custom={"NORM": "my_measures:mean_norm"}, measures=["NROM"]))
    with pytest.raises(ValueError, match="cannot import 'my_measures:median_norm'"):
        validate_metrics(_metrics(custom={"MED": "my_measures:median_norm"}))
    with pytest.raises(ValueError, match="must be 'package.module:function'; got 'mean_norm'"):
        validate_metrics(_metrics(custom={"MED": "mean_norm"}))
    with pytest.raises(ValueError, match="'DSE' is a built-in measure"):
        validate_metrics(_metrics(custom={"DSE": "my_measures:mean_norm"}))


def test_slq_estimates_carry_their_standard_error(data):
    """metrics.solver=slq: DSE and DSMI rows carry SLQ's standard error (DSE's
    the one diffusion_spectral_entropy returns, bit for bit: SLQ's thread count does not follow the
    machine's load); exact: 0."""
    Z, y, x = data
    m = _metrics(t=[1], n_repetitions=2, measures=["DSE", "DSMI_Y", "CSE"])
    m.solver.method = "slq"
    rows = {r["metric"]: r for r in measure_layer(Z, y, x, m)}
    direct = diffusion_spectral_entropy(Z, sigma=m.sigma, max_n=None, solver="slq", return_stderr=True,
                                        backend="numpy")
    assert rows["DSE"]["value"] == direct.value
    assert rows["DSE"]["stderr"] == direct.stderr and direct.stderr > 0
    assert rows["DSMI_Y"]["stderr"] > 0 and rows["CSE"]["stderr"] == 0
    m.solver.method = "exact"
    assert all(r["stderr"] == 0 for r in measure_layer(Z, y, x, m))


def test_the_standard_error_of_dsmi_combines_its_blocks():
    from repscope.metrics.dsmi import _combine, _combine_stderr

    counts, reps = np.array([1, 3]), 2
    H, E = np.arange(6.0), np.array([0.1, 0.2, 0.3, 0.0, 0.4, 0.5])
    w = counts / 4
    var = [(0.2**2 + 0.3**2) / 4 + 0.1**2, (0.4**2 + 0.5**2) / 4 + 0.0]
    assert _combine_stderr(counts, E, reps) == pytest.approx(np.sqrt((w**2 * var).sum()))
    assert _combine(counts, H, reps) == pytest.approx(w @ [1.5 - 0, 4.5 - 3])


def test_one_registry_lists_each_measure_where_its_scope_allows(tmp_path, monkeypatch):
    from repscope.layerwise import MEASURES as LAYER_MEASURES
    from repscope.layerwise import validate_layers
    from repscope.pipeline.registry import EMBEDDING, in_scope

    per_embedding = in_scope(MEASURES, EMBEDDING)
    assert "accuracy" in per_embedding and "accuracy" not in LAYER_MEASURES  # read from the embedding file
    assert "DIB" in LAYER_MEASURES and "DIB" not in per_embedding  # needs the network
    assert {"NC1", "DSE", "DSMI_Y", "RankMe", "CKA"} <= set(LAYER_MEASURES)
    assert all(MEASURES[n].layer_rows is not None for n in LAYER_MEASURES if n not in per_embedding)
    with pytest.raises(ValueError, match=r"metrics\.measures: unknown measure\(s\) \['DIB'\]"):
        validate_metrics(_metrics(measures=["DSE", "DIB"]))
    # a module name of its own: another test imports a my_norms module without `norm`
    (tmp_path / "scope_norms.py").write_text("def norm(Z, labels, x_clusters):\n    return 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    m = _metrics(custom={"NORM": "scope_norms:norm"}, measures=["NORM"])
    validate_metrics(m)
    lcfg = compose(["layers.measures=[NORM,DIB]"]).layers
    validate_layers(lcfg, m)  # a custom measure has both scopes
    with pytest.raises(ValueError, match=r"layers\.measures: unknown measure\(s\) \['NORM'\]"):
        validate_layers(lcfg)


@pytest.mark.parametrize("sigma,max_n", [(10.0, None), ("knn", None), ("median", 80)])
def test_measures_from_kept_spectra_equal_the_shared_kernel_bit_for_bit(data, sigma, max_n):
    """The exact spectra of every block, kept, give DSE and DSMI at any t exactly as
    diffusion_spectral_measures computes them (the same eigenvalues, the same sums)."""
    from repscope.metrics import diffusion_spectra, measures_from_spectra

    Z, y, x = data
    common = dict(n_repetitions=3, seed=2, max_n=max_n)
    refs = {"Y": y, "X": x}
    spectra = diffusion_spectra(Z, refs, sigma=sigma, backend="numpy", **common)
    assert len(spectra) == sum(len(np.unique(r)) * (3 + 1) for r in refs.values()) + 1  # classes x (own + 3), Z
    for t in (1, [1.0, 2.5, 7.0]):
        want = diffusion_spectral_measures(Z, refs, sigma=sigma, t=t, backend="numpy", **common)
        got = measures_from_spectra(spectra, refs, len(Z), t=t, **common)
        assert sorted(got) == sorted(want)
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])
    with pytest.raises(ValueError, match="spectra: .* not those of these clusters"):
        measures_from_spectra(spectra[1:], refs, len(Z), **common)
